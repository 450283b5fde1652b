namespace EdgeBox.Protocols.Rtsp;

/// <summary>Method names (RFC 2326 §10, RFC 7826 §13). Methods are case-sensitive.</summary>
internal static class RtspMethods
{
    public const string Options = "OPTIONS";
    public const string Describe = "DESCRIBE";
    public const string Announce = "ANNOUNCE";
    public const string Setup = "SETUP";
    public const string Play = "PLAY";
    public const string Pause = "PAUSE";
    public const string Record = "RECORD";
    public const string Teardown = "TEARDOWN";
    public const string GetParameter = "GET_PARAMETER";
    public const string SetParameter = "SET_PARAMETER";
    public const string Redirect = "REDIRECT";
    public const string PlayNotify = "PLAY_NOTIFY";
}
