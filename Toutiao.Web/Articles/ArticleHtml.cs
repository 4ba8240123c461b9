using Ganss.Xss;

namespace Toutiao.Web.Articles;

/// <summary>
/// Article HTML as readers get it: authors write it, the app and the reader page insert it as markup,
/// so whatever could run (scripts, event handlers, <c>javascript:</c> links, frames, forms) is taken
/// out on the way out, whoever wrote it and whenever (HtmlSanitizer's defaults: formatting, links,
/// images and tables stay).
/// </summary>
public sealed class ArticleHtml
{
    // Configured once here and only read after: safe to share between requests.
    private readonly HtmlSanitizer _sanitizer = new();

    public string Sanitize(string html) => html.Length == 0 ? html : _sanitizer.Sanitize(html);
}
