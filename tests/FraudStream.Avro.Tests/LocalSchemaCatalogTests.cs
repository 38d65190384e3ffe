using FraudStream.Avro.Registry;
using FraudStream.Avro.Tests.Support;

namespace FraudStream.Avro.Tests;

public sealed class LocalSchemaCatalogTests
{
    private static string SchemasFolder => Path.GetDirectoryName(SchemaFiles.PathOf("transaction.avsc"))!;

    [Test]
    public async Task Schema_files_get_ids_in_file_name_order()
    {
        // Act
        var catalog = LocalSchemaCatalog.FromDirectory(SchemasFolder);

        // Assert
        Assert.That(catalog.IdOf("fraud_alert.avsc"), Is.EqualTo(1));
        Assert.That(catalog.IdOf("fraud_label.avsc"), Is.EqualTo(2));
        Assert.That(catalog.IdOf("transaction.avsc"), Is.EqualTo(3));
        Assert.That((await catalog.GetSchemaAsync(3)).ToCanonicalForm(), Is.EqualTo(TransactionAvroCodec.Schema.ToCanonicalForm()));
    }

    [Test]
    public async Task The_embedded_catalog_matches_the_folder()
    {
        // Act
        var embedded = LocalSchemaCatalog.FromEmbeddedSchemas();
        var folder = LocalSchemaCatalog.FromDirectory(SchemasFolder);

        // Assert
        var files = Directory.GetFiles(SchemasFolder, "*.avsc").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(EmbeddedSchemas.FileNames, Is.EqualTo(files), "every schemas/ file is embedded, in the folder's order");
        foreach (var file in files)
        {
            var id = folder.IdOf(file!);
            Assert.That(embedded.IdOf(file!), Is.EqualTo(id), file);
            Assert.That((await embedded.GetSchemaAsync(id)).ToCanonicalForm(), Is.EqualTo((await folder.GetSchemaAsync(id)).ToCanonicalForm()), file);
        }
    }

    [Test]
    public async Task Registering_a_known_schema_returns_its_id_and_a_new_one_gets_the_next_id()
    {
        // Arrange
        var catalog = LocalSchemaCatalog.FromDirectory(SchemasFolder);
        var reformatted = TransactionAvroCodec.Schema.ToCanonicalForm();

        // Act
        var known = await catalog.RegisterAsync(SchemaSubjects.ForTopicValue("transactions"), reformatted);
        var added = await catalog.RegisterAsync("other-value", """{"type": "record", "name": "Other", "fields": []}""");

        // Assert
        Assert.That(known, Is.EqualTo(3));
        Assert.That(added, Is.EqualTo(5), "after the four files of schemas/");
    }

    [Test]
    public void An_unknown_id_is_an_UnknownSchemaIdException()
    {
        // Arrange
        var catalog = LocalSchemaCatalog.FromEmbeddedSchemas();

        // Act
        var e = Assert.ThrowsAsync<UnknownSchemaIdException>(async () => await catalog.GetSchemaAsync(99));

        // Assert
        Assert.That(e!.SchemaId, Is.EqualTo(99));
    }
}
