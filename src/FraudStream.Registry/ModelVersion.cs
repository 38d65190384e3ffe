using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace FraudStream.Registry;

/// <summary>Registry version names: the UTC time of publishing as <c>YYYYMMDD_HHMMSS</c>, which sorts oldest to newest as text.</summary>
public static class ModelVersion
{
    /// <summary>The .NET format string of a version.</summary>
    public const string Format = "yyyyMMdd_HHmmss";

    private const int Length = 15;

    /// <summary>A new version for the current UTC time of <paramref name="timeProvider"/>.</summary>
    public static string Create(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return FromTimestamp(timeProvider.GetUtcNow());
    }

    /// <summary>The version of a point in time (converted to UTC; sub-second precision is dropped).</summary>
    public static string FromTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="version"/> is a well-formed version naming a real UTC time.</summary>
    public static bool IsValid([NotNullWhen(true)] string? version) => TryParse(version, out _);

    /// <summary>Reads the UTC time a version names; false when it is not a well-formed version.</summary>
    public static bool TryParse([NotNullWhen(true)] string? version, out DateTimeOffset timestamp)
    {
        timestamp = default;

        // ParseExact alone would accept culture digits and surrounding white space in some styles: insist on ASCII.
        if (version is null || version.Length != Length || version[8] != '_')
        {
            return false;
        }

        for (var i = 0; i < Length; i++)
        {
            if (i != 8 && !char.IsAsciiDigit(version[i]))
            {
                return false;
            }
        }

        if (!DateTime.TryParseExact(version, Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        timestamp = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with one clear sentence when <paramref name="version"/> is not a version.</summary>
    public static void Validate(string? version, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(version))] string? parameterName = null)
    {
        if (!IsValid(version))
        {
            throw new ArgumentException(
                $"'{version}' is not a model version: versions are the UTC publish time as YYYYMMDD_HHMMSS, e.g. 20260314_093000.",
                parameterName);
        }
    }
}
