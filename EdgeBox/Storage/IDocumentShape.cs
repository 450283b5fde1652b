using LiteDB;

namespace EdgeBox.Storage;

/// <summary>
/// How one stored record type maps to a <see cref="BsonDocument"/> and back. Each shape also supplies
/// a sample with every field set, which <c>edgebox storage verify</c> and the tests round-trip (in the
/// AOT binary too), so a field that stops surviving storage is caught before users lose it.
/// </summary>
internal interface IDocumentShape<T>
    where T : notnull
{
    string Collection { get; }

    BsonDocument ToDocument(T value);

    T FromDocument(BsonDocument document);

    T Sample();
}
