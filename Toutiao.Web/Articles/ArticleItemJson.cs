using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toutiao.Web.Articles;

/// <summary>
/// Writes an <see cref="ArticleItem"/> in the Toutiao shape straight to the writer: property names
/// encoded once, no per-property metadata walk. A feed page is ten of these, and their tracking
/// strings (JSON text inside a JSON string) are most of its bytes: each has its quotes escaped in
/// one pass here instead of the encoder's character-by-character path after the first quote.
/// Same output as the reflection contract under <see cref="ToutiaoJson"/> (tested).
/// </summary>
public sealed class ArticleItemJson : JsonConverter<ArticleItem>
{
    private static readonly JsonEncodedText ArtIdName = JsonEncodedText.Encode("art_id");
    private static readonly JsonEncodedText TitleName = JsonEncodedText.Encode("title");
    private static readonly JsonEncodedText AutIdName = JsonEncodedText.Encode("aut_id");
    private static readonly JsonEncodedText AutNameName = JsonEncodedText.Encode("aut_name");
    private static readonly JsonEncodedText CommCountName = JsonEncodedText.Encode("comm_count");
    private static readonly JsonEncodedText LikeCountName = JsonEncodedText.Encode("like_count");
    private static readonly JsonEncodedText CollectCountName = JsonEncodedText.Encode("collect_count");
    private static readonly JsonEncodedText PubdateName = JsonEncodedText.Encode("pubdate");
    private static readonly JsonEncodedText CoverName = JsonEncodedText.Encode("cover");
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText ImagesName = JsonEncodedText.Encode("images");
    private static readonly JsonEncodedText IsTopName = JsonEncodedText.Encode("is_top");
    private static readonly JsonEncodedText TraceName = JsonEncodedText.Encode("trace");
    private static readonly JsonEncodedText ClickName = JsonEncodedText.Encode("click");
    private static readonly JsonEncodedText CollectName = JsonEncodedText.Encode("collect");
    private static readonly JsonEncodedText ShareName = JsonEncodedText.Encode("share");
    private static readonly JsonEncodedText ReadName = JsonEncodedText.Encode("read");

    public override ArticleItem Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException("An article item is an API answer: it is written, never read.");

    public override void Write(Utf8JsonWriter writer, ArticleItem item, JsonSerializerOptions options)
    {
        // Nulls are left out, as ToutiaoJson's options do (a cached info or cover may lack a part).
        writer.WriteStartObject();
        writer.WriteNumber(ArtIdName, item.ArtId);
        WriteIfAny(writer, TitleName, item.Title);
        writer.WriteNumber(AutIdName, item.AutId);
        WriteIfAny(writer, AutNameName, item.AutName);
        writer.WriteNumber(CommCountName, item.CommCount);
        writer.WriteNumber(LikeCountName, item.LikeCount);
        writer.WriteNumber(CollectCountName, item.CollectCount);
        writer.WriteString(PubdateName, item.Pubdate);
        if (item.Cover is { } cover)
        {
            writer.WriteStartObject(CoverName);
            writer.WriteNumber(TypeName, cover.Type);
            if (cover.Images is { } images)
            {
                writer.WriteStartArray(ImagesName);
                foreach (var image in images)
                {
                    writer.WriteStringValue(image);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteNumber(IsTopName, item.IsTop);
        if (item.Trace is { } trace)
        {
            writer.WriteStartObject(TraceName);
            WriteTracking(writer, ClickName, trace.Click);
            WriteTracking(writer, CollectName, trace.Collect);
            WriteTracking(writer, ShareName, trace.Share);
            WriteTracking(writer, ReadName, trace.Read);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// A tracking string is printable ASCII (Reco builds it from ids, numbers and base64url) whose
    /// only characters to escape are its quotes; anything else goes through the writer's encoder.
    /// </summary>
    private static void WriteIfAny(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteTracking(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            return;
        }

        // At most two bytes a character, and the two quotes around.
        var rented = ArrayPool<byte>.Shared.Rent((2 * value.Length) + 2);
        try
        {
            var escaped = rented.AsSpan();
            var at = 0;
            escaped[at++] = (byte)'"';
            foreach (var c in value)
            {
                if (c is < ' ' or > '~' or '\\')
                {
                    writer.WriteString(name, value);
                    return;
                }

                if (c == '"')
                {
                    escaped[at++] = (byte)'\\';
                }

                escaped[at++] = (byte)c;
            }

            escaped[at++] = (byte)'"';
            writer.WritePropertyName(name);
            writer.WriteRawValue(escaped[..at], skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
