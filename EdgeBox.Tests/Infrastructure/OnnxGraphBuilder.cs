using System.Buffers.Binary;
using System.Text;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Writes a small ONNX model (a <c>ModelProto</c>, IR version 8, default opset 13) by hand, so adapter
/// tests run real ONNX Runtime sessions without model files: declared inputs, constant tensors, simple
/// nodes and <c>metadata_props</c>. Field numbers are those of onnx/onnx.proto.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int64 = 7;

    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private readonly List<(string Key, string Value)> _metadata = [];
    private string? _firstInput;
    private int _firstInputType;
    private string? _inputZero;

    /// <summary>Declares a graph input; a negative dimension is dynamic (a named <c>dim_param</c>).</summary>
    public OnnxGraphBuilder Input(string name, int elementType, params long[] dims)
    {
        _inputs.Add(ValueInfo(name, elementType, dims));
        if (_firstInput is null)
        {
            (_firstInput, _firstInputType) = (name, elementType);
        }

        return this;
    }

    /// <summary>Declares a graph output produced by some node.</summary>
    public OnnxGraphBuilder Output(string name, int elementType, params long[] dims)
    {
        _outputs.Add(ValueInfo(name, elementType, dims));
        return this;
    }

    public OnnxGraphBuilder Initializer(string name, long[] dims, float[] values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        }

        _initializers.Add(Tensor(name, Float, dims, raw));
        return this;
    }

    /// <summary>Adds a node; an attribute value is a <c>long</c> (INT: Cast's <c>to</c>, ReduceMean's <c>keepdims</c>) or a <c>long[]</c> (INTS: <c>axes</c>).</summary>
    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        foreach (string output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, $"{opType}_{_nodes.Count}");
        node.String(4, opType);
        foreach (var (name, value) in attributes)
        {
            // AttributeProto { name = 1, i = 3, ints = 8, type = 20 (INT = 2, INTS = 7) }
            var attribute = new ProtoWriter();
            attribute.String(1, name);
            if (value is long[] list)
            {
                foreach (long item in list)
                {
                    attribute.Varint(8, (ulong)item);
                }

                attribute.Varint(20, 7);
            }
            else
            {
                attribute.Varint(3, (ulong)Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                attribute.Varint(20, 2);
            }

            node.Message(5, attribute);
        }

        _nodes.Add(node.ToArray());
        return this;
    }

    /// <summary>
    /// An output holding a constant, made to depend on the first input (its mean times zero is added to
    /// it) so the input is used and the session runs the input through a real node.
    /// </summary>
    public OnnxGraphBuilder ConstantOutput(string name, long[] dims, float[] values)
    {
        string constant = $"const_{_initializers.Count}";
        Initializer(constant, dims, values);
        Node("Add", [constant, InputZero()], [name]);
        return Output(name, Float, dims);
    }

    /// <summary>
    /// An output [1, rows, W] whose last dimension is the width of the first input, an NCHW float picture
    /// (so dynamic when the width is): <paramref name="column"/> (one value per row) repeated in every column.
    /// ONNX Runtime reports an output's shape as its own shape inference finds it, so a constant output
    /// is static whatever the graph declares; this one stays dynamic.
    /// </summary>
    public OnnxGraphBuilder ColumnsOutput(string name, float[] column)
    {
        string source = _firstInput ?? throw new InvalidOperationException("declare the input before outputs");
        string constant = $"const_{_initializers.Count}";
        Initializer(constant, [1, column.Length, 1], column);
        Initializer($"{constant}_zero", [], [0f]);
        Node("ReduceMean", [source], [$"{name}_columns"], ("axes", new long[] { 0, 1, 2 }), ("keepdims", 0L));
        Node("Mul", [$"{name}_columns", $"{constant}_zero"], [$"{name}_zeros"]);
        Node("Add", [constant, $"{name}_zeros"], [name]);
        return Output(name, Float, 1, column.Length, -1);
    }

    public OnnxGraphBuilder Metadata(string key, string value)
    {
        _metadata.Add((key, value));
        return this;
    }

    public byte[] Build()
    {
        var graph = new ProtoWriter();
        foreach (var node in _nodes)
        {
            graph.Bytes(1, node);
        }

        graph.String(2, "test");
        foreach (var initializer in _initializers)
        {
            graph.Bytes(5, initializer);
        }

        foreach (var input in _inputs)
        {
            graph.Bytes(11, input);
        }

        foreach (var output in _outputs)
        {
            graph.Bytes(12, output);
        }

        var model = new ProtoWriter();
        model.Varint(1, 8);
        model.String(2, "EdgeBox.Tests");
        model.Message(7, graph);
        var opset = new ProtoWriter();
        opset.String(1, "");
        opset.Varint(2, 13);
        model.Message(8, opset);
        foreach (var (key, value) in _metadata)
        {
            var entry = new ProtoWriter();
            entry.String(1, key);
            entry.String(2, value);
            model.Message(14, entry);
        }

        return model.ToArray();
    }

    /// <summary>A scalar 0 computed from the first input: Cast to float (uint8), ReduceMean to a scalar, Mul by 0.</summary>
    private string InputZero()
    {
        if (_inputZero is not null)
        {
            return _inputZero;
        }

        string source = _firstInput ?? throw new InvalidOperationException("declare the input before constant outputs");
        if (_firstInputType != Float)
        {
            Node("Cast", [source], ["input_float"], ("to", (long)Float));
            source = "input_float";
        }

        Initializer("zero", [], [0f]);
        Node("ReduceMean", [source], ["input_mean"], ("keepdims", 0L));
        Node("Mul", ["input_mean", "zero"], ["input_zero"]);
        return _inputZero = "input_zero";
    }

    private static byte[] Tensor(string name, int elementType, long[] dims, byte[] raw)
    {
        var tensor = new ProtoWriter();
        foreach (long dim in dims)
        {
            tensor.Varint(1, (ulong)dim);
        }

        tensor.Varint(2, (ulong)elementType);
        tensor.String(8, name);
        tensor.Bytes(9, raw);
        return tensor.ToArray();
    }

    private static byte[] ValueInfo(string name, int elementType, long[] dims)
    {
        var shape = new ProtoWriter();
        for (int i = 0; i < dims.Length; i++)
        {
            var dim = new ProtoWriter();
            if (dims[i] >= 0)
            {
                dim.Varint(1, (ulong)dims[i]);
            }
            else
            {
                dim.String(2, $"{name}_d{i}");
            }

            shape.Message(1, dim);
        }

        var tensorType = new ProtoWriter();
        tensorType.Varint(1, (ulong)elementType);
        tensorType.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info.ToArray();
    }

    /// <summary>Protocol buffers wire format: varints (type 0) and length-delimited fields (type 2).</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Tag(field, 0);
            Raw(value);
        }

        public void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Raw((ulong)value.Length);
            _stream.Write(value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _stream.ToArray();

        private void Tag(int field, int wireType) => Raw(((ulong)field << 3) | (uint)wireType);

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.WriteByte((byte)value);
        }
    }
}
