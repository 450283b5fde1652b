namespace EdgeBox.Infrastructure;

/// <summary>
/// Every log event id in one place, so ids stay stable across releases and never collide.
/// Ranges: 1xx hosting, 2xx configuration, 3xx storage, 4xx codecs/inference, 5xx web, 6xx media core, 7xx RTSP.
/// </summary>
internal static class EventIds
{
    public const int Starting = 100;
    public const int Started = 101;
    public const int Stopping = 102;
    public const int Stopped = 103;
    public const int ComponentUnavailable = 104;
    public const int Listening = 105;
    public const int HttpsCertificate = 106;
    public const int HttpsCertificateGenerated = 107;
    public const int HttpsCertificateExpired = 108;

    public const int ConfigLoaded = 200;
    public const int ConfigApplied = 201;
    public const int ConfigRejected = 202;
    public const int ConfigUnchanged = 203;
    public const int ConfigRestartRequired = 204;
    public const int ConfigWatchFailed = 205;
    public const int ConfigReloadRequested = 206;
    public const int ConfigRejectedError = 207;
    public const int ConfigWriteFailed = 208;
    public const int ConfigConflict = 209;
    public const int ConfigApplierFailed = 210;
    public const int ConfigHistoryFailed = 211;
    public const int ConfigReloadFailed = 212;
    public const int ConfigRestoreRequested = 213;

    public const int DatabaseCorrupt = 300;
    public const int DatabaseOpened = 301;
    public const int EventStoreFailed = 302;
    public const int NativeProbeFailed = 402;

    public const int ReaderDropped = 600;
    public const int PathRemoved = 601;

    public const int RtspOpened = 700;
    public const int RtspClosed = 701;
    public const int RtspPublishing = 702;
    public const int RtspReading = 703;
    public const int RtspPublishRefused = 704;
    public const int RtspNoSuchPath = 705;
    public const int RtspNotReady = 706;
    public const int RtspBadSdp = 707;
    public const int RtspTrackSkipped = 708;
    public const int RtspBadRtp = 709;
    public const int RtspAuthFailed = 710;
    public const int RtspListening = 711;
    public const int RtspUdpBindFailed = 712;

    public const int SourceConnected = 750;
    public const int SourceFailed = 751;
    public const int SourceRetryFailed = 752;
    public const int SourceFallingBackToTcp = 753;
    public const int SourceTrackSkipped = 754;
    public const int SourceBadRtp = 755;
    public const int SourceStarted = 756;
    public const int SourceStopped = 757;
    public const int SourceOnDemandTimeout = 758;
    public const int SourceRestarting = 759;

    public const int ForwardConnected = 780;
    public const int ForwardFailed = 781;
    public const int ForwardRetryFailed = 782;

    public const int DecoderStarted = 410;
    public const int DecoderFailed = 411;
    public const int SnapshotFailed = 412;
    public const int TranscodeStarted = 413;
    public const int TranscodeFailed = 414;
    public const int HardwareFallback = 415;
    public const int HardwareSelected = 416;
    public const int TranscodeStopping = 417;
    public const int TestSourceStarted = 418;
    public const int TestSourceFailed = 419;
    public const int HardwareUnavailableForStream = 420;
    public const int HardwareDecodeUnavailable = 421;
    public const int TranscodeEncoderUnavailable = 422;
    public const int AudioConversionStarted = 423;
    public const int AudioConversionFailed = 424;

    public const int RecordingSegmentOpened = 900;
    public const int RecordingSegmentClosed = 901;
    public const int RecordingTrackSkipped = 902;
    public const int RecordingDiskFull = 903;
    public const int RecordingResumed = 904;
    public const int RecordingFailed = 905;
    public const int RecordingSegmentDeleted = 906;
    public const int RecordingDeleteFailed = 907;
    public const int RecordingEmergencyCleanup = 908;
    public const int RecordingTickFailed = 909;
    public const int RecordingRepaired = 910;
    public const int RecordingEmpty = 911;
    public const int RecordingForgotten = 912;
    public const int RecordingIndexed = 913;
    public const int RecordingUnreadable = 914;
    public const int RecordingClipFailed = 915;
    public const int RecordingClipStarted = 916;
    public const int RecordingRangeDeleted = 917;
    public const int RecordingCutBackFailed = 918;

    // Inference: 1000-1099
    public const int DetectionStarted = 1000;
    public const int DetectionEnded = 1001;
    public const int DetectionClipFailed = 1002;
    public const int ModelLoaded = 1003;
    public const int ModelUnavailable = 1004;
    public const int ProviderFallback = 1005;
    public const int InferenceFailed = 1006;
    public const int DetectionSnapshotFailed = 1007;
    public const int DetectorStarted = 1008;
    public const int SnapshotPruneFailed = 1009;

    // WebRTC: 1100-1199
    public const int WebRtcListening = 1100;
    public const int WebRtcBindFailed = 1101;
    public const int WebRtcHostUnresolved = 1102;
    public const int WebRtcDispatchFailed = 1103;
    public const int WebRtcSessionStarted = 1104;
    public const int WebRtcSessionEnded = 1105;
    public const int WebRtcSessionFailed = 1106;
    public const int WebRtcConnected = 1107;
    public const int WebRtcOfferRefused = 1108;
    public const int WebRtcCertificate = 1109;

    // Security: 1200-1299
    public const int LoginSucceeded = 1200;
    public const int LoginFailed = 1201;
    public const int LoginLockedOut = 1202;
    public const int SetupCode = 1203;
    public const int AccountsUnreadable = 1204;
    public const int AccountChanged = 1205;
    public const int TokenRejected = 1206;

    // Uplink: 1300-1399
    public const int UplinkConnected = 1300;
    public const int UplinkLost = 1301;
    public const int UplinkConnectFailed = 1302;
    public const int UplinkDesired = 1303;
    public const int UplinkCommand = 1304;
    public const int UplinkGoodbyeFailed = 1305;
    public const int UplinkResponseFailed = 1306;
    public const int UplinkApplied = 1307;
    public const int UplinkRejected = 1308;
    public const int UplinkStoreFailed = 1309;
    public const int UplinkDisabled = 1310;
    public const int UplinkPollFailed = 1311;
    public const int UplinkOutboxFailed = 1312;
    public const int UplinkTooLarge = 1313;
    public const int UplinkEventRefused = 1314;

    public const int FfmpegLoaded = 400;
    public const int OnnxRuntimeLoaded = 401;
}
