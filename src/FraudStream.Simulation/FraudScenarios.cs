namespace FraudStream.Simulation;

/// <summary>The names of the generator's scenarios, as written in the CSV's <c>scenario</c> column.</summary>
public static class FraudScenarios
{
    /// <summary>A card-holder's own spending.</summary>
    public const string Genuine = "genuine";

    /// <summary>A stolen card used for amounts far above the card's usual spending, often at high-risk merchants.</summary>
    public const string OutOfProfileAmount = "out_of_profile_amount";

    /// <summary>
    /// Every transaction at a terminal during its compromise (days), at ordinary amounts by cards from its town: only the
    /// terminal's labelled history reveals it.
    /// </summary>
    public const string CompromisedTerminal = "compromised_terminal";

    /// <summary>A burst of small card-not-present payments, seconds apart, checking whether a stolen card number works.</summary>
    public const string CardTesting = "card_testing";

    /// <summary>Card-not-present payments from far away from the card-holder, mostly at night.</summary>
    public const string CardNotPresentSpike = "card_not_present_spike";

    /// <summary>For weeks, some of a card's payments are a few times its own usual amount: a jump only the card's history shows.</summary>
    public const string CompromisedCard = "compromised_card";

    /// <summary>A few in-person payments within hours at merchants in another city, which the card has not used before.</summary>
    public const string AccountTakeover = "account_takeover";

    /// <summary>Every fraud scenario.</summary>
    public static IReadOnlyList<string> Fraud { get; } =
        [OutOfProfileAmount, CompromisedTerminal, CardTesting, CardNotPresentSpike, CompromisedCard, AccountTakeover];

    /// <summary>The scenarios whose fraud a transaction alone does not show: its card's, merchant's or terminal's history does.</summary>
    public static IReadOnlyList<string> HistoryOnly { get; } = [CompromisedTerminal, CompromisedCard, AccountTakeover];
}
