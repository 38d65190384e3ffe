namespace FraudStream.Registry;

/// <summary>The registry's keys in a model store: one folder per version, and the production alias beside them.</summary>
public static class RegistryLayout
{
    /// <summary>The folder every version lives under.</summary>
    public const string ModelsPrefix = "models/";

    /// <summary>The production alias: which version scorers serve, and the versions served before it.</summary>
    public const string ProductionKey = "models/production.json";

    /// <summary>The challenger alias: the version scored in shadow beside production.</summary>
    public const string ChallengerKey = "models/challenger.json";

    /// <summary>Name of a version's metadata file; its presence marks the version complete.</summary>
    public const string MetadataFileName = "metadata.json";

    /// <summary>Name of a version's human-readable evaluation report.</summary>
    public const string ReportFileName = "report.md";

    /// <summary>The folder of one version, e.g. <c>models/20260314_093000/</c>.</summary>
    public static string VersionPrefix(string version) => $"{ModelsPrefix}{version}/";

    /// <summary>The metadata key of one version.</summary>
    public static string MetadataKey(string version) => VersionPrefix(version) + MetadataFileName;

    /// <summary>The report key of one version.</summary>
    public static string ReportKey(string version) => VersionPrefix(version) + ReportFileName;

    /// <summary>The model file key of one version, e.g. <c>models/20260314_093000/model.ubj</c>.</summary>
    public static string ModelKey(string version, string modelFile) => VersionPrefix(version) + modelFile;
}
