using System.Text.RegularExpressions;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Util;

namespace Toutiao.Web.Keywords;

/// <summary>
/// The terms of an article that can be keywords: its title and body (tags stripped) segmented by
/// SmartCn, the analyzer search uses, without numbers and single characters. A title's terms
/// count <see cref="TitleWeight"/> times: a title says what an article is about. One instance
/// is not thread-safe.
/// </summary>
public sealed partial class KeywordTerms : IDisposable
{
    public const int TitleWeight = 3;

    private readonly SmartChineseAnalyzer _analyzer = new(LuceneVersion.LUCENE_48);
    private readonly Dictionary<string, List<string>> _segmented = new(StringComparer.Ordinal);

    /// <summary>Each term of the article and how often it occurs (title occurrences weighted).</summary>
    public Dictionary<string, int> Count(string title, string html)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var term in Segment(title))
        {
            counts[term] = counts.GetValueOrDefault(term) + TitleWeight;
        }

        foreach (var term in Segment(html))
        {
            counts[term] = counts.GetValueOrDefault(term) + 1;
        }

        return counts;
    }

    /// <summary>
    /// SmartCn segments sentence by sentence; so does this, on tags, spaces, punctuation and
    /// numbers, and each piece once: the demo's texts are a few thousand pieces combined.
    /// </summary>
    private IEnumerable<string> Segment(string text)
        => Pieces().Split(text).Where(p => p.Length >= 2).SelectMany(SegmentPiece);

    private List<string> SegmentPiece(string text)
    {
        if (!_segmented.TryGetValue(text, out var terms))
        {
            // Terms() keeps each once; occurrences are counted here, so segment without it.
            terms = [];
            using var stream = _analyzer.GetTokenStream("body", text);
            var term = stream.AddAttribute<Lucene.Net.Analysis.TokenAttributes.ICharTermAttribute>();
            stream.Reset();
            while (stream.IncrementToken())
            {
                var value = term.ToString();
                if (value.Length >= 2 && value.Length <= 64)
                {
                    terms.Add(value);
                }
            }

            stream.End();
            _segmented[text] = terms;
        }

        return terms;
    }

    public void Dispose() => _analyzer.Dispose();

    // A tag, a number, white space or punctuation (ASCII or CJK) ends a piece.
    [GeneratedRegex(@"<[^>]*>|\d+|[\s\p{P}\p{S}]+")]
    private static partial Regex Pieces();
}
