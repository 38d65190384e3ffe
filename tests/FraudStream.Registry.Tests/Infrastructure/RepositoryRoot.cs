namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>Finds the repository checkout the tests run from.</summary>
internal static class RepositoryRoot
{
    /// <summary>The nearest directory above the test binaries that holds FraudStream.sln.</summary>
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FraudStream.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No FraudStream.sln above {AppContext.BaseDirectory}; run the tests from a FraudStream checkout.");
    }
}
