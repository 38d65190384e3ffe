namespace FraudStream.Avro.Tests;

public sealed class SchemaParserTests
{
    [Test]
    public void The_transaction_schema_parses_with_its_enum_default_unions_and_logical_type()
    {
        // Act
        var schema = TransactionAvroCodec.Schema;

        // Assert
        var channel = (EnumSchema)schema.GetField("channel")!.Schema;
        var terminal = schema.GetField("terminal_id")!;
        Assert.Multiple(() =>
        {
            Assert.That(schema.FullName, Is.EqualTo("fraudstream.Transaction"));
            Assert.That(schema.Fields, Has.Count.EqualTo(15));
            Assert.That(channel.FullName, Is.EqualTo("fraudstream.Channel"));
            Assert.That(channel.Default, Is.EqualTo("UNKNOWN"));
            Assert.That(schema.GetField("event_time")!.Schema.LogicalType, Is.EqualTo("timestamp-millis"));
            Assert.That(terminal.Schema, Is.InstanceOf<UnionSchema>());
            Assert.That(terminal.HasDefault, Is.True);
            Assert.That(terminal.DefaultValue, Is.Null);
        });
    }

    [Test]
    public void Named_types_are_resolved_by_name_within_their_namespace()
    {
        // Arrange
        const string json = """
            {"type": "record", "name": "Outer", "namespace": "a.b", "fields": [
              {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]}},
              {"name": "again", "type": "Inner"},
              {"name": "qualified", "type": "a.b.Inner"},
              {"name": "other", "type": {"type": "fixed", "name": "Hash", "namespace": "c", "size": 4}},
              {"name": "hashes", "type": {"type": "map", "values": "c.Hash"}},
              {"name": "next", "type": ["null", "Outer"], "default": null}
            ]}
            """;

        // Act
        var schema = (RecordSchema)AvroSchema.Parse(json);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(schema.GetField("again")!.Schema, Is.SameAs(schema.GetField("inner")!.Schema));
            Assert.That(schema.GetField("qualified")!.Schema, Is.SameAs(schema.GetField("inner")!.Schema));
            Assert.That(((NamedSchema)schema.GetField("inner")!.Schema).FullName, Is.EqualTo("a.b.Inner"));
            Assert.That(((MapSchema)schema.GetField("hashes")!.Schema).Values, Is.SameAs(schema.GetField("other")!.Schema));
            Assert.That(((UnionSchema)schema.GetField("next")!.Schema).Branches[1], Is.SameAs(schema));
        });
    }

    [Test]
    public void Defaults_are_converted_to_values_of_the_field_type()
    {
        // Arrange
        const string json = """
            {"type": "record", "name": "R", "fields": [
              {"name": "i", "type": "int", "default": 7},
              {"name": "l", "type": "long", "default": 9000000000},
              {"name": "d", "type": "double", "default": 1.5},
              {"name": "s", "type": "string", "default": "x"},
              {"name": "b", "type": "bytes", "default": "\u00ff\u0001"},
              {"name": "u", "type": ["int", "null"], "default": 3},
              {"name": "a", "type": {"type": "array", "items": "int"}, "default": [1, 2]},
              {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}, "default": "B"}
            ]}
            """;

        // Act
        var schema = (RecordSchema)AvroSchema.Parse(json);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(schema.GetField("i")!.DefaultValue, Is.EqualTo(7));
            Assert.That(schema.GetField("l")!.DefaultValue, Is.EqualTo(9_000_000_000L));
            Assert.That(schema.GetField("d")!.DefaultValue, Is.EqualTo(1.5));
            Assert.That(schema.GetField("s")!.DefaultValue, Is.EqualTo("x"));
            Assert.That(schema.GetField("b")!.DefaultValue, Is.EqualTo(new byte[] { 0xFF, 0x01 }));
            Assert.That(schema.GetField("u")!.DefaultValue, Is.EqualTo(3));
            Assert.That(schema.GetField("a")!.DefaultValue, Is.EqualTo(new List<object?> { 1, 2 }));
            Assert.That(schema.GetField("e")!.DefaultValue, Is.EqualTo("B"));
        });
    }

    [TestCase("""{"type": "record", "name": "R", "fields": [{"name": "x", "type": "Nope"}]}""", "Unknown type 'Nope'")]
    [TestCase("""{"type": "enum", "name": "E", "symbols": ["A"], "default": "Z"}""", "not one of its symbols")]
    [TestCase("""["null", "string", "null"]""", "two branches of the same type")]
    [TestCase("""{"type": "record", "name": "R", "fields": [{"name": "x", "type": "int", "default": "seven"}]}""", "default of field 'R.x' is invalid")]
    [TestCase("""{"type": "record", "name": "R", "fields": [{"name": "x", "type": ["null", "int"], "default": 1}]}""", "default of field 'R.x' is invalid")]
    [TestCase("""{"type": "fixed", "name": "F"}""", "needs \"size\"")]
    [TestCase("""{"type": "record", "name": "1R", "fields": []}""", "not a valid record name")]
    [TestCase("""{"type": "record", "name": "R", "fields": [""", "not valid JSON")]
    public void An_invalid_schema_is_refused_with_a_clear_message(string json, string expectedMessage)
    {
        // Act
        var e = Assert.Throws<AvroSchemaException>(() => AvroSchema.Parse(json));

        // Assert
        Assert.That(e!.Message, Does.Contain(expectedMessage));
    }

    [Test]
    public void Canonical_form_ignores_docs_defaults_and_whitespace()
    {
        // Arrange
        var a = AvroSchema.Parse("""{"type":"record","name":"R","namespace":"n","doc":"d","fields":[{"name":"x","type":["null","string"],"default":null,"doc":"y"}]}""");
        var b = AvroSchema.Parse("""{ "name": "n.R", "type": "record", "fields": [ {"name": "x", "type": ["null", {"type": "string"}]} ] }""");

        // Act / Assert
        Assert.That(a.ToCanonicalForm(), Is.EqualTo(b.ToCanonicalForm()));
        Assert.That(a.ToCanonicalForm(), Is.EqualTo("""{"name":"n.R","type":"record","fields":[{"name":"x","type":["null","string"]}]}"""));
    }
}
