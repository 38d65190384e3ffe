namespace FraudStream.Avro.Tests.Support;

/// <summary>The repository's schemas/ folder, copied beside the tests.</summary>
internal static class SchemaFiles
{
    public static string PathOf(string fileName) => Path.Combine(TestContext.CurrentContext.TestDirectory, "schemas", fileName);
}
