namespace FraudStream.XGBoost.Flat;

/// <summary>
/// One node of a flattened tree, 16 bytes. A split sends a row to <see cref="Left"/> when its feature is below
/// <see cref="Value"/> and to <see cref="Left"/> + 1 otherwise, and a missing (NaN) feature to <see cref="Missing"/>;
/// a leaf (<see cref="Feature"/> -1) holds its output in <see cref="Value"/>. Indices are into the forest's node array.
/// </summary>
internal readonly record struct FlatNode(int Feature, float Value, int Left, int Missing);
