namespace Toutiao.Web.Http;

/// <summary>How long one API request may take in all (section <c>RequestBudget</c>).</summary>
public sealed class RequestBudgetOptions
{
    public const string SectionName = "RequestBudget";

    /// <summary>
    /// The whole request, a feed page included: every Redis, MySQL and gRPC call takes its share of
    /// what is left (<see cref="Toutiao.Contracts.Storage.RequestBudget"/>), so a frozen server makes
    /// the answer degraded or a 503 within it, never a hang.
    /// </summary>
    public TimeSpan Length { get; set; } = TimeSpan.FromSeconds(1.5);
}
