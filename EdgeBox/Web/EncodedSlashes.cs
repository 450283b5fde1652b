namespace EdgeBox.Web;

/// <summary>
/// Path names may contain slashes (<c>live/cam1</c>). Generated API clients send them as <c>%2F</c>, which
/// the server leaves encoded (it must, to keep path segments apart), so catch-all route values such as
/// <c>/api/v1/paths/{**name}</c> would hold <c>live%2Fcam1</c>. This turns them back into slashes before the
/// handlers (and the authorization checks on path names) see them.
/// </summary>
internal static class EncodedSlashes
{
    private static readonly string[] Keys = ["name", "path", "rest"];

    public static void Use(WebApplication app) =>
        app.Use((context, next) =>
        {
            var values = context.Request.RouteValues;
            foreach (string key in Keys)
            {
                if (values.TryGetValue(key, out object? value) && value is string text && text.Contains("%2F", StringComparison.OrdinalIgnoreCase))
                {
                    values[key] = text.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
                }
            }

            return next(context);
        });
}
