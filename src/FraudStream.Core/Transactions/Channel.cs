namespace FraudStream.Core.Transactions;

/// <summary>How the card was used; the symbols of the Avro enum <c>fraudstream.Channel</c>.</summary>
public enum Channel
{
    /// <summary>Not reported by the switch (the Avro enum's default).</summary>
    Unknown = 0,

    /// <summary>Card inserted or swiped at a point-of-sale terminal.</summary>
    Pos,

    /// <summary>Card not present: online or in-app.</summary>
    Ecommerce,

    /// <summary>Cash withdrawal.</summary>
    Atm,

    /// <summary>Tapped at a terminal.</summary>
    Contactless,
}
