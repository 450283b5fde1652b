using EdgeBox.Inference;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class ClassNamesLiteralTests
{
    private const string Coco3 = "{0: 'person', 1: 'bicycle', 2: 'traffic light'}";

    private static string[] Parsed(string text)
    {
        var names = ClassNamesLiteral.Parse(text);
        Assert.NotNull(names);
        return names;
    }

    [Fact]
    public void An_ultralytics_dict_gives_names_by_index() =>
        Assert.Equal(["person", "bicycle", "traffic light"], Parsed(Coco3));

    [Fact]
    public void An_older_yolov5_list_gives_names_in_order() =>
        Assert.Equal(["person", "bicycle"], Parsed("['person', \"bicycle\"]"));

    [Fact]
    public void Every_prefix_of_a_valid_literal_parses_to_nothing_without_throwing()
    {
        for (int i = 0; i < Coco3.Length; i++)
        {
            Assert.Null(ClassNamesLiteral.Parse(Coco3[..i]));
        }
    }

    [Fact]
    public void Every_prefix_of_a_literal_with_escapes_does_not_throw()
    {
        const string Text = @"{0: 'it\'s', 1: ""say \""hi\"""", 2: 'a\x41\u00e9\\'}";
        Assert.Equal(["it's", "say \"hi\"", "aAé\\"], Parsed(Text));
        for (int i = 0; i < Text.Length; i++)
        {
            _ = ClassNamesLiteral.Parse(Text[..i]);
        }
    }

    [Theory]
    [InlineData("{0: 'a, b', 1: 'c: d'}", new[] { "a, b", "c: d" })]
    [InlineData("{0: \"don't\", 1: 'say \"x\"'}", new[] { "don't", "say \"x\"" })]
    [InlineData("  { 1 : 'one' , 3:'three', }  ", new[] { "0", "one", "2", "three" })] // gaps named by number, trailing comma
    [InlineData("{0: '{1: x}'}", new[] { "{1: x}" })]
    public void Quoted_names_keep_commas_colons_and_quotes(string text, string[] expected) =>
        Assert.Equal(expected, ClassNamesLiteral.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("person,car")]
    [InlineData("{}")]
    [InlineData("{0: person}")]
    [InlineData("{0: 'a', 0: 'b'}")]
    [InlineData("{-1: 'a'}")]
    [InlineData("{0: 'a'} extra")]
    [InlineData("{0: 'a' 1: 'b'}")]
    [InlineData("{999999999999: 'a'}")]
    [InlineData("{10000: 'a'}")]
    [InlineData("{0: 'a\\x4'}")]
    public void Anything_else_is_not_guessed_at(string text) =>
        Assert.Null(ClassNamesLiteral.Parse(text));
}
