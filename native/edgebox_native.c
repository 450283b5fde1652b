/*
 * edgebox_native: the narrow C ABI between EdgeBox (C#) and FFmpeg's libraries.
 *
 * Why a shim: FFmpeg's structs change layout between 5.x, 6.x and 7.x. The C# side only ever calls
 * these functions with plain integers, strings and opaque handles, and this file is compiled against
 * whatever FFmpeg headers are installed, so one EdgeBox source builds against every supported FFmpeg.
 *
 * Rules: no FFmpeg struct crosses the boundary; strings returned are owned by FFmpeg (static) or
 * written into caller buffers; every function is safe to call from any thread.
 */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/hwcontext.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <stdio.h>
#include <string.h>

#define EB_EXPORT __attribute__((visibility("default")))

/* Bumped whenever a function below changes signature or meaning. The C# side checks it. */
#define EB_ABI_VERSION 1

EB_EXPORT int eb_abi_version(void) { return EB_ABI_VERSION; }

/* Library identifiers for eb_library_version. */
enum { EB_LIB_AVUTIL = 0, EB_LIB_AVCODEC = 1, EB_LIB_AVFORMAT = 2, EB_LIB_SWSCALE = 3, EB_LIB_SWRESAMPLE = 4 };

/* Runtime version of one library, packed as AV_VERSION_INT (major << 16 | minor << 8 | micro); 0 if unknown. */
EB_EXPORT unsigned eb_library_version(int library)
{
    switch (library) {
    case EB_LIB_AVUTIL: return avutil_version();
    case EB_LIB_AVCODEC: return avcodec_version();
    case EB_LIB_AVFORMAT: return avformat_version();
    case EB_LIB_SWSCALE: return swscale_version();
    case EB_LIB_SWRESAMPLE: return swresample_version();
    default: return 0;
    }
}

/* FFmpeg's own version string (e.g. "5.1.6-0+deb12u1"). */
EB_EXPORT const char *eb_ffmpeg_version(void) { return av_version_info(); }

/* Our media types, independent of AVMediaType's numbering. */
enum { EB_MEDIA_OTHER = 0, EB_MEDIA_VIDEO = 1, EB_MEDIA_AUDIO = 2, EB_MEDIA_SUBTITLE = 3 };

/* Flags for eb_codec_next. */
enum { EB_CODEC_ENCODER = 1, EB_CODEC_DECODER = 2, EB_CODEC_HARDWARE = 4 };

/*
 * Iterates the codecs compiled into libavcodec. *state must be NULL on the first call; returns 1 and
 * fills the outputs while codecs remain, 0 at the end. Names are static strings owned by FFmpeg.
 */
EB_EXPORT int eb_codec_next(void **state, const char **name, const char **long_name, int *media_type, int *flags)
{
    const AVCodec *codec = av_codec_iterate(state);
    if (!codec)
        return 0;

    *name = codec->name;
    *long_name = codec->long_name ? codec->long_name : "";
    switch (codec->type) {
    case AVMEDIA_TYPE_VIDEO: *media_type = EB_MEDIA_VIDEO; break;
    case AVMEDIA_TYPE_AUDIO: *media_type = EB_MEDIA_AUDIO; break;
    case AVMEDIA_TYPE_SUBTITLE: *media_type = EB_MEDIA_SUBTITLE; break;
    default: *media_type = EB_MEDIA_OTHER; break;
    }

    int f = av_codec_is_encoder(codec) ? EB_CODEC_ENCODER : EB_CODEC_DECODER;
    int hardware = (codec->capabilities & AV_CODEC_CAP_HARDWARE) != 0;
    for (int i = 0; !hardware; i++) {
        const AVCodecHWConfig *config = avcodec_get_hw_config(codec, i);
        if (!config)
            break;
        if (config->methods & (AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX | AV_CODEC_HW_CONFIG_METHOD_HW_FRAMES_CTX))
            hardware = 1;
    }
    if (hardware)
        f |= EB_CODEC_HARDWARE;
    *flags = f;
    return 1;
}

/*
 * Iterates the hardware device types libavutil was built with (cuda, vaapi, qsv, ...). Pass -1 first;
 * returns the next type id, or -1 at the end. *name receives the type's name.
 */
EB_EXPORT int eb_hwdevice_type_next(int previous, const char **name)
{
    enum AVHWDeviceType type = av_hwdevice_iterate_types(previous < 0 ? AV_HWDEVICE_TYPE_NONE : (enum AVHWDeviceType)previous);
    if (type == AV_HWDEVICE_TYPE_NONE)
        return -1;
    *name = av_hwdevice_get_type_name(type);
    return (int)type;
}

/* FFmpeg's message for an error code, written NUL-terminated into buffer. */
EB_EXPORT void eb_strerror(int error, char *buffer, int size)
{
    if (size <= 0)
        return;
    if (av_strerror(error, buffer, (size_t)size) < 0)
        snprintf(buffer, (size_t)size, "FFmpeg error %d", error);
}
