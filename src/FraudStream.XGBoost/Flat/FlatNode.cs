namespace FraudStream.XGBoost.Flat;

/// <summary>
/// One node of a flattened tree, 16 bytes. A split sends a row to <see cref="Left"/> when its feature is below
/// <see cref="Value"/> and to <see cref="Left"/> + 1 otherwise; a missing (NaN) feature goes left when
/// <see cref="MissingLeft"/> is 1 and right when it is 0 (XGBoost's default direction). As read, a leaf has
/// <see cref="Feature"/> -1 and its output in <see cref="Value"/>. Indices are into the forest's node array.
/// </summary>
internal readonly record struct FlatNode(int Feature, float Value, int Left, int MissingLeft);
