using System.Globalization;
using System.Text;
using MySqlConnector;
using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Keywords;

/// <summary>
/// Keeps <c>news_article_keyword</c> (each article's TF-IDF keywords) and
/// <c>news_keyword_frequency</c> (in how many articles each term occurs) in MySQL, inside the
/// caller's transaction: rebuilt for every article when the demo data is loaded, added to for
/// each article the newsroom publishes.
/// </summary>
public static class ArticleKeywordStore
{
    private const int RowsPerInsert = 5000;

    /// <summary>Computes every article's keywords from scratch. Returns how many articles were read.</summary>
    public static async Task<int> RebuildAsync(MySqlConnection connection, MySqlTransaction transaction, CancellationToken cancellationToken)
    {
        var terms = new List<(long ArticleId, Dictionary<string, int> Counts)>();
        using (var segmenter = new KeywordTerms())
        {
            await using var command = new MySqlCommand("""
                SELECT a.article_id, a.title, COALESCE(c.content, '')
                FROM news_article_basic a LEFT JOIN news_article_content c ON c.article_id = a.article_id
                """, connection, transaction) { CommandTimeout = 300 };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                terms.Add((reader.GetInt64(0), segmenter.Count(reader.GetString(1), reader.GetString(2))));
            }
        }

        var documents = terms.SelectMany(t => t.Counts.Keys).CountBy(t => t, StringComparer.Ordinal)
            .ToDictionary(t => t.Key, t => (long)t.Value, StringComparer.Ordinal);
        var keywords = terms.SelectMany(t => KeywordExtractor.Top(t.Counts, term => documents[term], terms.Count).Select(k => (t.ArticleId, k)));

        await ExecuteAsync(connection, transaction, "DELETE FROM news_article_keyword; DELETE FROM news_keyword_frequency;", [], cancellationToken);
        await InsertAsync(connection, transaction, "news_keyword_frequency (term, documents)",
            documents.Select(d => new object[] { d.Key, d.Value }), "", cancellationToken);
        await InsertAsync(connection, transaction, "news_article_keyword (article_id, keyword, weight)",
            keywords.Select(k => new object[] { k.ArticleId, k.k.Keyword, k.k.Weight }), "", cancellationToken);
        return terms.Count;
    }

    /// <summary>Computes and stores one new article's keywords against the terms' frequencies so far, and counts its terms in.</summary>
    public static async Task<ArticleKeyword[]> AddAsync(MySqlConnection connection, MySqlTransaction transaction, long articleId, string title, string html, CancellationToken cancellationToken)
    {
        Dictionary<string, int> counts;
        using (var segmenter = new KeywordTerms())
        {
            counts = segmenter.Count(title, html);
        }

        if (counts.Count == 0)
        {
            return [];
        }

        var documents = new Dictionary<string, long>(StringComparer.Ordinal);
        long articles;
        var names = counts.Keys.Select((_, i) => $"@t{i}").ToList();
        await using (var command = new MySqlCommand($"""
            SELECT COUNT(*) FROM news_article_basic;
            SELECT term, documents FROM news_keyword_frequency WHERE term IN ({string.Join(',', names)});
            """, connection, transaction))
        {
            command.Parameters.AddRange(counts.Keys.Select((t, i) => new MySqlParameter(names[i], t)).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            articles = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                documents[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var keywords = KeywordExtractor.Top(counts, t => documents.GetValueOrDefault(t), articles);
        await InsertAsync(connection, transaction, "news_keyword_frequency (term, documents)",
            counts.Keys.Select(t => new object[] { t, 1 }), " ON DUPLICATE KEY UPDATE documents = documents + 1", cancellationToken);
        await InsertAsync(connection, transaction, "news_article_keyword (article_id, keyword, weight)",
            keywords.Select(k => new object[] { articleId, k.Keyword, k.Weight }), "", cancellationToken);
        return keywords;
    }

    /// <summary>
    /// Multi-row INSERTs of at most <see cref="RowsPerInsert"/> rows each, values written as SQL
    /// literals (strings escaped): a quarter of a million parameters cost more than the rows.
    /// </summary>
    private static async Task InsertAsync(MySqlConnection connection, MySqlTransaction transaction, string into, IEnumerable<object[]> rows, string suffix, CancellationToken cancellationToken)
    {
        foreach (var chunk in rows.Chunk(RowsPerInsert))
        {
            var sql = new StringBuilder($"INSERT INTO {into} VALUES ");
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ",(");
                for (var c = 0; c < chunk[r].Length; c++)
                {
                    if (c > 0)
                    {
                        sql.Append(',');
                    }

                    sql.Append(chunk[r][c] switch
                    {
                        string text => "'" + MySqlHelper.EscapeString(text) + "'",
                        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                        var other => throw new ArgumentException($"No SQL literal for {other.GetType()}"),
                    });
                }

                sql.Append(')');
            }

            await ExecuteAsync(connection, transaction, sql.Append(suffix).ToString(), [], cancellationToken);
        }
    }

    private static async Task ExecuteAsync(MySqlConnection connection, MySqlTransaction transaction, string sql, List<MySqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection, transaction) { CommandTimeout = 300 };
        command.Parameters.AddRange(parameters.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
