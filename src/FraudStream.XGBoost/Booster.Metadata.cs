using System.Runtime.InteropServices;
using FraudStream.XGBoost.Native;

namespace FraudStream.XGBoost;

/// <summary>Booster's metadata: feature names, attributes and feature importance.</summary>
public sealed partial class Booster
{
    /// <summary>Names the model's features (saved with the model), in column order.</summary>
    /// <exception cref="ArgumentException">The count differs from <see cref="FeatureCount"/>, or a name is empty or repeated.</exception>
    public void SetFeatureNames(IReadOnlyList<string> names)
    {
        ThrowIfUnusable();
        FeatureNames.Validate(names, FeatureCount, nameof(names));
        SetFeatureNamesUnchecked(names);
    }

    private unsafe void SetFeatureNamesUnchecked(IReadOnlyList<string> names)
    {
        using var encoded = new Utf8StringArray(names);
        fixed (nint* pointers = encoded.Pointers)
        {
            Check(XGBoostNative.BoosterSetStrFeatureInfo(_handle, FeatureNames.Field, (byte**)pointers, (ulong)names.Count),
                "XGBoosterSetStrFeatureInfo", "XGBoost refused the feature names");
        }
    }

    /// <summary>The model's feature names in column order, or an empty list when it has none.</summary>
    public unsafe IReadOnlyList<string> GetFeatureNames()
    {
        ThrowIfUnusable();
        Check(XGBoostNative.BoosterGetStrFeatureInfo(_handle, FeatureNames.Field, out var count, out var values),
            "XGBoosterGetStrFeatureInfo", "XGBoost could not report the feature names");
        return XGBoostNative.CopyStrings(values, count);
    }

    /// <summary>A string attribute saved with the model (e.g. "best_iteration"), or null when there is none.</summary>
    public string? GetAttribute(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfUnusable();
        Check(XGBoostNative.BoosterGetAttr(_handle, key, out var value, out var found), "XGBoosterGetAttr", $"XGBoost could not read attribute '{key}'");
        return found != 0 ? Marshal.PtrToStringUTF8(value) ?? string.Empty : null;
    }

    /// <summary>Sets a string attribute saved with the model; null deletes it.</summary>
    public void SetAttribute(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfUnusable();
        Check(XGBoostNative.BoosterSetAttr(_handle, key, value), "XGBoosterSetAttr", $"XGBoost could not set attribute '{key}'");
    }

    /// <summary>Names of the model's string attributes.</summary>
    public unsafe IReadOnlyList<string> GetAttributeNames()
    {
        ThrowIfUnusable();
        Check(XGBoostNative.BoosterGetAttrNames(_handle, out var count, out var names), "XGBoosterGetAttrNames", "XGBoost could not list the attributes");
        return XGBoostNative.CopyStrings(names, count);
    }

    /// <summary>Importance of each feature the trees split on, by name (features never split on are absent).</summary>
    /// <exception cref="XGBoostException">XGBoost could not score the features (e.g. an untrained booster).</exception>
    public unsafe IReadOnlyDictionary<string, double> FeatureImportance(ImportanceType type)
    {
        var name = type switch
        {
            ImportanceType.Weight => "weight",
            ImportanceType.Gain => "gain",
            ImportanceType.Cover => "cover",
            ImportanceType.TotalGain => "total_gain",
            ImportanceType.TotalCover => "total_cover",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown importance type."),
        };

        ThrowIfUnusable();
        Check(XGBoostNative.BoosterFeatureScore(
                _handle, $"{{\"importance_type\":\"{name}\"}}", out var featureCount, out var features, out var dimensions, out var shape, out var scores),
            "XGBoosterFeatureScore", $"XGBoost could not compute {name} importance");
        if (dimensions != 1 || shape[0] != featureCount)
        {
            throw new XGBoostException("Feature importance is only available for tree models with one output per feature.");
        }

        var names = XGBoostNative.CopyStrings(features, featureCount);
        var importance = new Dictionary<string, double>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            importance[names[i]] = scores[i];
        }

        return importance;
    }
}
