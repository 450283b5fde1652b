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
#include <libavutil/pixdesc.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <stdio.h>
#include <string.h>

#define EB_EXPORT __attribute__((visibility("default")))

/* Bumped whenever a function below changes signature or meaning. The C# side checks it. */
#define EB_ABI_VERSION 3

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

/* ---------------------------------------------------------------------------------------------
 * Codecs: decoders and encoders behind one opaque handle, frames as opaque AVFrame pointers.
 * Return values: 0 or a positive count on success, a negative AVERROR code on failure
 * (AVERROR(EAGAIN) = feed more input / drain output first, AVERROR_EOF = flushed).
 * ------------------------------------------------------------------------------------------- */

#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

/* Our pixel formats, independent of AVPixelFormat's numbering (which moves between releases). */
enum { EB_PIX_NONE = 0, EB_PIX_YUV420P = 1, EB_PIX_NV12 = 2, EB_PIX_YUVJ420P = 3, EB_PIX_RGB24 = 4, EB_PIX_BGR24 = 5,
       EB_PIX_YUV422P = 6, EB_PIX_YUVJ422P = 7, EB_PIX_YUV444P = 8, EB_PIX_GRAY8 = 9, EB_PIX_OTHER = 100 };

static enum AVPixelFormat to_av_pix(int format)
{
    switch (format) {
    case EB_PIX_YUV420P: return AV_PIX_FMT_YUV420P;
    case EB_PIX_NV12: return AV_PIX_FMT_NV12;
    case EB_PIX_YUVJ420P: return AV_PIX_FMT_YUVJ420P;
    case EB_PIX_RGB24: return AV_PIX_FMT_RGB24;
    case EB_PIX_BGR24: return AV_PIX_FMT_BGR24;
    case EB_PIX_YUV422P: return AV_PIX_FMT_YUV422P;
    case EB_PIX_YUVJ422P: return AV_PIX_FMT_YUVJ422P;
    case EB_PIX_YUV444P: return AV_PIX_FMT_YUV444P;
    case EB_PIX_GRAY8: return AV_PIX_FMT_GRAY8;
    default: return AV_PIX_FMT_NONE;
    }
}

static int from_av_pix(enum AVPixelFormat format)
{
    switch (format) {
    case AV_PIX_FMT_YUV420P: return EB_PIX_YUV420P;
    case AV_PIX_FMT_NV12: return EB_PIX_NV12;
    case AV_PIX_FMT_YUVJ420P: return EB_PIX_YUVJ420P;
    case AV_PIX_FMT_RGB24: return EB_PIX_RGB24;
    case AV_PIX_FMT_BGR24: return EB_PIX_BGR24;
    case AV_PIX_FMT_YUV422P: return EB_PIX_YUV422P;
    case AV_PIX_FMT_YUVJ422P: return EB_PIX_YUVJ422P;
    case AV_PIX_FMT_YUV444P: return EB_PIX_YUV444P;
    case AV_PIX_FMT_GRAY8: return EB_PIX_GRAY8;
    case AV_PIX_FMT_NONE: return EB_PIX_NONE;
    default: return EB_PIX_OTHER;
    }
}

typedef struct eb_codec {
    AVCodecContext *context;
    AVPacket *packet;        /* decoder: input scratch; encoder: the last packet received */
    AVBufferRef *hw_device;  /* hardware device context, or NULL */
    int is_encoder;
    /* Audio encoders: input of any layout/rate/format is converted and cut into frame_size blocks. */
    struct SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *block;
    int64_t next_pts;        /* in samples at the output rate; AV_NOPTS_VALUE until the first input */
    int draining;
} eb_codec;

static void codec_free(eb_codec *codec)
{
    if (!codec)
        return;
    swr_free(&codec->swr);
    if (codec->fifo)
        av_audio_fifo_free(codec->fifo);
    av_frame_free(&codec->block);
    avcodec_free_context(&codec->context);
    av_packet_free(&codec->packet);
    av_buffer_unref(&codec->hw_device);
    av_free(codec);
}

EB_EXPORT void eb_codec_close(eb_codec *codec) { codec_free(codec); }

/* The name of the codec implementation in use (e.g. "h264", "libx264", "h264_nvenc"). */
EB_EXPORT const char *eb_codec_name(eb_codec *codec) { return codec && codec->context->codec ? codec->context->codec->name : ""; }

/*
 * Opens a hardware device of a type named as FFmpeg names it ("cuda", "vaapi", "qsv", "drm"...) on an
 * optional device path (e.g. /dev/dri/renderD128). Returns 0 and *out, or an AVERROR. The caller owns
 * the reference and releases it with eb_hwdevice_close.
 */
EB_EXPORT int eb_hwdevice_open(const char *type_name, const char *device, AVBufferRef **out)
{
    *out = NULL;
    enum AVHWDeviceType type = av_hwdevice_find_type_by_name(type_name);
    if (type == AV_HWDEVICE_TYPE_NONE)
        return AVERROR(ENOSYS);
    return av_hwdevice_ctx_create(out, type, device && device[0] ? device : NULL, NULL, 0);
}

EB_EXPORT void eb_hwdevice_close(AVBufferRef *device) { av_buffer_unref(&device); }

/*
 * Opens a decoder by codec name ("h264", "hevc", "aac", "opus", "pcm_mulaw", "pcm_alaw", "mjpeg")
 * with optional extradata (Annex B parameter sets, AudioSpecificConfig...). With a hardware device,
 * decoding happens on it and frames stay in GPU memory (eb_frame_info reports them as hardware).
 */
EB_EXPORT int eb_decoder_open(const char *name, const uint8_t *extradata, int extradata_size, int sample_rate, int channels,
                              AVBufferRef *hw_device, int threads, eb_codec **out)
{
    *out = NULL;
    const AVCodec *decoder = avcodec_find_decoder_by_name(name);
    if (!decoder)
        return AVERROR_DECODER_NOT_FOUND;
    eb_codec *codec = av_mallocz(sizeof(*codec));
    if (!codec)
        return AVERROR(ENOMEM);
    codec->context = avcodec_alloc_context3(decoder);
    codec->packet = av_packet_alloc();
    if (!codec->context || !codec->packet) {
        codec_free(codec);
        return AVERROR(ENOMEM);
    }
    if (extradata && extradata_size > 0) {
        codec->context->extradata = av_mallocz((size_t)extradata_size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!codec->context->extradata) {
            codec_free(codec);
            return AVERROR(ENOMEM);
        }
        memcpy(codec->context->extradata, extradata, (size_t)extradata_size);
        codec->context->extradata_size = extradata_size;
    }
    if (sample_rate > 0)
        codec->context->sample_rate = sample_rate;
    if (channels > 0)
        av_channel_layout_default(&codec->context->ch_layout, channels);
    codec->context->thread_count = threads;
    if (hw_device) {
        /* libavcodec picks the GPU format when the device suits the stream, else decodes in software. */
        codec->hw_device = av_buffer_ref(hw_device);
        codec->context->hw_device_ctx = av_buffer_ref(hw_device);
        /* Consumers hold pictures a while (the transcoder's queue): room beyond the decoder's own references. */
        codec->context->extra_hw_frames = 16;
    }
    int result = avcodec_open2(codec->context, decoder, NULL);
    if (result < 0) {
        codec_free(codec);
        return result;
    }
    *out = codec;
    return 0;
}

/* Feeds one compressed packet (copied); data == NULL starts draining. pts in the codec's time base units. */
EB_EXPORT int eb_decoder_send(eb_codec *codec, const uint8_t *data, int size, int64_t pts, int keyframe)
{
    if (!data)
        return avcodec_send_packet(codec->context, NULL);
    av_packet_unref(codec->packet);
    int result = av_new_packet(codec->packet, size);
    if (result < 0)
        return result;
    memcpy(codec->packet->data, data, (size_t)size);
    codec->packet->pts = pts;
    codec->packet->dts = AV_NOPTS_VALUE;
    if (keyframe)
        codec->packet->flags |= AV_PKT_FLAG_KEY;
    result = avcodec_send_packet(codec->context, codec->packet);
    av_packet_unref(codec->packet);
    return result;
}

/* Receives one decoded frame into frame (an eb_frame_alloc'd frame; its old content is released). */
EB_EXPORT int eb_decoder_receive(eb_codec *codec, AVFrame *frame)
{
    av_frame_unref(frame);
    return avcodec_receive_frame(codec->context, frame);
}

/* Forgets buffered frames (after a discontinuity). */
EB_EXPORT void eb_codec_flush(eb_codec *codec) { avcodec_flush_buffers(codec->context); }

/*
 * Opens a video encoder by name ("libx264", "h264_nvenc", "mjpeg"...). time base = 1/time_base_den
 * (pts of the frames sent), frame rate fps_num/fps_den, bitrate in bit/s (0 = encoder default),
 * gop in frames (0 = default), options as "key=value:key=value" (private options such as
 * preset=veryfast:tune=zerolatency; unknown keys are an error). global_header puts parameter sets
 * in extradata (for containers and SDP) instead of before each keyframe only. With hw_frame (a frame
 * in GPU memory, e.g. from eb_filter_receive), the encoder takes GPU frames of that frames context
 * (pix_fmt is then ignored): pictures go from the GPU scaler to a hardware encoder without a copy.
 */
EB_EXPORT int eb_video_encoder_open(const char *name, int width, int height, int pix_fmt, int time_base_den, int fps_num, int fps_den,
                                    int64_t bitrate, int gop, int max_b_frames, int global_header, const char *options,
                                    const AVFrame *hw_frame, int threads, eb_codec **out)
{
    *out = NULL;
    const AVCodec *encoder = avcodec_find_encoder_by_name(name);
    if (!encoder)
        return AVERROR_ENCODER_NOT_FOUND;
    enum AVPixelFormat format = hw_frame && hw_frame->hw_frames_ctx ? (enum AVPixelFormat)hw_frame->format : to_av_pix(pix_fmt);
    if (format == AV_PIX_FMT_NONE)
        return AVERROR(EINVAL);
    eb_codec *codec = av_mallocz(sizeof(*codec));
    if (!codec)
        return AVERROR(ENOMEM);
    codec->is_encoder = 1;
    codec->context = avcodec_alloc_context3(encoder);
    codec->packet = av_packet_alloc();
    if (!codec->context || !codec->packet) {
        codec_free(codec);
        return AVERROR(ENOMEM);
    }
    AVCodecContext *c = codec->context;
    c->width = width;
    c->height = height;
    c->pix_fmt = format;
    c->time_base = (AVRational){ 1, time_base_den };
    c->framerate = (AVRational){ fps_num, fps_den };
    if (bitrate > 0) {
        c->bit_rate = bitrate;
        c->rc_max_rate = bitrate;
        c->rc_buffer_size = (int)(bitrate > INT32_MAX ? INT32_MAX : bitrate);
    }
    if (gop > 0)
        c->gop_size = gop;
    c->max_b_frames = max_b_frames;
    c->thread_count = threads;
    if (global_header)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (hw_frame && hw_frame->hw_frames_ctx) {
        c->hw_frames_ctx = av_buffer_ref(hw_frame->hw_frames_ctx);
        if (!c->hw_frames_ctx) {
            codec_free(codec);
            return AVERROR(ENOMEM);
        }
    }
    AVDictionary *dict = NULL;
    int result = 0;
    if (options && options[0])
        result = av_dict_parse_string(&dict, options, "=", ":", 0);
    if (result >= 0)
        result = avcodec_open2(c, encoder, &dict);
    if (result >= 0 && av_dict_count(dict) > 0)
        result = AVERROR_OPTION_NOT_FOUND; /* an option the encoder does not know */
    av_dict_free(&dict);
    if (result < 0) {
        codec_free(codec);
        return result;
    }
    *out = codec;
    return 0;
}

/* Sends one frame (NULL starts draining); force_keyframe makes it an IDR/keyframe. */
EB_EXPORT int eb_encoder_send(eb_codec *codec, AVFrame *frame, int force_keyframe)
{
    if (frame) {
        frame->pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
#if LIBAVUTIL_VERSION_MAJOR >= 58
        if (force_keyframe)
            frame->flags |= AV_FRAME_FLAG_KEY;
        else
            frame->flags &= ~AV_FRAME_FLAG_KEY;
#else
        frame->key_frame = force_keyframe;
#endif
    }
    return avcodec_send_frame(codec->context, frame);
}

/*
 * Receives one packet. *data stays valid until the next eb_encoder_receive or eb_codec_close on
 * this codec. pts/dts are in the encoder's time base.
 */
EB_EXPORT int eb_encoder_receive(eb_codec *codec, const uint8_t **data, int *size, int64_t *pts, int64_t *dts, int *keyframe)
{
    av_packet_unref(codec->packet);
    int result = avcodec_receive_packet(codec->context, codec->packet);
    if (result < 0)
        return result;
    *data = codec->packet->data;
    *size = codec->packet->size;
    *pts = codec->packet->pts;
    *dts = codec->packet->dts;
    *keyframe = (codec->packet->flags & AV_PKT_FLAG_KEY) != 0;
    return 0;
}

/* The encoder's extradata (SPS/PPS in Annex B or avcC form, AudioSpecificConfig...); size 0 if none. */
EB_EXPORT void eb_codec_extradata(eb_codec *codec, const uint8_t **data, int *size)
{
    *data = codec->context->extradata;
    *size = codec->context->extradata ? codec->context->extradata_size : 0;
}

/* ---- Frames ---- */

EB_EXPORT AVFrame *eb_frame_alloc(void) { return av_frame_alloc(); }

EB_EXPORT void eb_frame_free(AVFrame *frame) { av_frame_free(&frame); }

/* A new reference to the same picture/samples (no copy of the data). */
EB_EXPORT AVFrame *eb_frame_clone(const AVFrame *frame) { return av_frame_clone(frame); }

/* Allocates buffers for a video frame of the given size and format (for scaler output or generated frames). */
EB_EXPORT int eb_frame_alloc_video(AVFrame *frame, int width, int height, int pix_fmt)
{
    av_frame_unref(frame);
    frame->width = width;
    frame->height = height;
    frame->format = to_av_pix(pix_fmt);
    if (frame->format == AV_PIX_FMT_NONE)
        return AVERROR(EINVAL);
    return av_frame_get_buffer(frame, 0);
}

/*
 * What a frame holds. Video: width, height, our pixel format (EB_PIX_OTHER for formats we do not
 * name; hardware frames report their software format) and hardware = 1 when the data is in GPU
 * memory. Audio: sample_rate, channels, samples. pts in the producing codec's time base.
 */
EB_EXPORT void eb_frame_info(const AVFrame *frame, int *width, int *height, int *pix_fmt, int *hardware,
                             int *sample_rate, int *channels, int *samples, int64_t *pts)
{
    *width = frame->width;
    *height = frame->height;
    *hardware = frame->hw_frames_ctx != NULL;
    if (frame->hw_frames_ctx) {
        const AVHWFramesContext *frames = (const AVHWFramesContext *)frame->hw_frames_ctx->data;
        *pix_fmt = from_av_pix(frames->sw_format);
    } else {
        *pix_fmt = frame->width > 0 ? from_av_pix((enum AVPixelFormat)frame->format) : EB_PIX_NONE;
    }
    *sample_rate = frame->sample_rate;
    *channels = frame->ch_layout.nb_channels;
    *samples = frame->nb_samples;
    *pts = frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp;
}

EB_EXPORT void eb_frame_set_pts(AVFrame *frame, int64_t pts) { frame->pts = pts; }

/* Plane i of a (software) frame: its data pointer and line size in bytes; 0 when there is no such plane. */
EB_EXPORT int eb_frame_plane(AVFrame *frame, int plane, uint8_t **data, int *linesize)
{
    if (plane < 0 || plane >= AV_NUM_DATA_POINTERS || !frame->data[plane])
        return 0;
    if (av_frame_make_writable(frame) < 0)
        return 0;
    *data = frame->data[plane];
    *linesize = frame->linesize[plane];
    return 1;
}

/* Copies a hardware frame into system memory (destination is allocated); a software frame is referenced. */
EB_EXPORT int eb_frame_download(const AVFrame *source, AVFrame *destination)
{
    av_frame_unref(destination);
    if (!source->hw_frames_ctx)
        return av_frame_ref(destination, source);
    int result = av_hwframe_transfer_data(destination, source, 0);
    if (result >= 0)
        result = av_frame_copy_props(destination, source);
    return result;
}

/* ---- Filter graphs (libavfilter): scaling on the GPU, uploads ---------------------------------
 * One chain of filters, e.g. "scale_cuda=w=1280:h=720", "format=nv12,hwupload,scale_vaapi=w=1280:h=720"
 * or, in software, "scale=1280:720". The graph is built at the first frame (its size, format and,
 * for GPU frames, frames context are the input's) and rebuilt when those change. Every filter gets
 * the hardware device, which hwupload and the GPU scalers need.
 */

typedef struct eb_filter {
    AVFilterGraph *graph;
    AVFilterContext *source, *sink;
    AVBufferRef *hw_device;
    char *description;
    int width, height, format;
    AVBufferRef *input_frames; /* the input's frames context the graph was built for, or NULL */
} eb_filter;

static void filter_reset(eb_filter *filter)
{
    avfilter_graph_free(&filter->graph);
    av_buffer_unref(&filter->input_frames);
    filter->source = filter->sink = NULL;
}

EB_EXPORT void eb_filter_close(eb_filter *filter)
{
    if (!filter)
        return;
    filter_reset(filter);
    av_buffer_unref(&filter->hw_device);
    av_free(filter->description);
    av_free(filter);
}

EB_EXPORT int eb_filter_open(const char *description, AVBufferRef *hw_device, eb_filter **out)
{
    *out = NULL;
    if (!description || !description[0])
        return AVERROR(EINVAL);
    eb_filter *filter = av_mallocz(sizeof(*filter));
    if (!filter)
        return AVERROR(ENOMEM);
    filter->description = av_strdup(description);
    if (hw_device)
        filter->hw_device = av_buffer_ref(hw_device);
    if (!filter->description || (hw_device && !filter->hw_device)) {
        eb_filter_close(filter);
        return AVERROR(ENOMEM);
    }
    *out = filter;
    return 0;
}

static int filter_configure(eb_filter *filter, const AVFrame *frame)
{
    filter_reset(filter);
    filter->graph = avfilter_graph_alloc();
    if (!filter->graph)
        return AVERROR(ENOMEM);
    char args[256];
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=1/90000:pixel_aspect=1/1", frame->width, frame->height, frame->format);
    int result = avfilter_graph_create_filter(&filter->source, avfilter_get_by_name("buffer"), "in", args, NULL, filter->graph);
    if (result >= 0 && frame->hw_frames_ctx) {
        AVBufferSrcParameters *parameters = av_buffersrc_parameters_alloc();
        if (!parameters)
            return AVERROR(ENOMEM);
        parameters->hw_frames_ctx = frame->hw_frames_ctx; /* referenced by the call below */
        result = av_buffersrc_parameters_set(filter->source, parameters);
        av_free(parameters);
    }
    if (result >= 0)
        result = avfilter_graph_create_filter(&filter->sink, avfilter_get_by_name("buffersink"), "out", NULL, NULL, filter->graph);
    if (result < 0)
        return result;

    AVFilterInOut *outputs = avfilter_inout_alloc(), *inputs = avfilter_inout_alloc();
    if (!outputs || !inputs) {
        avfilter_inout_free(&outputs);
        avfilter_inout_free(&inputs);
        return AVERROR(ENOMEM);
    }
    outputs->name = av_strdup("in");
    outputs->filter_ctx = filter->source;
    inputs->name = av_strdup("out");
    inputs->filter_ctx = filter->sink;
    result = avfilter_graph_parse_ptr(filter->graph, filter->description, &inputs, &outputs, NULL);
    avfilter_inout_free(&outputs);
    avfilter_inout_free(&inputs);
    if (result < 0)
        return result;
    if (filter->hw_device) {
        for (unsigned i = 0; i < filter->graph->nb_filters; i++) {
            av_buffer_unref(&filter->graph->filters[i]->hw_device_ctx);
            filter->graph->filters[i]->hw_device_ctx = av_buffer_ref(filter->hw_device);
            if (!filter->graph->filters[i]->hw_device_ctx)
                return AVERROR(ENOMEM);
        }
    }
    result = avfilter_graph_config(filter->graph, NULL);
    if (result < 0)
        return result;
    filter->width = frame->width;
    filter->height = frame->height;
    filter->format = frame->format;
    if (frame->hw_frames_ctx && !(filter->input_frames = av_buffer_ref(frame->hw_frames_ctx)))
        return AVERROR(ENOMEM);
    return 0;
}

/* Feeds one frame (referenced, not copied); NULL drains. */
EB_EXPORT int eb_filter_send(eb_filter *filter, AVFrame *frame)
{
    if (!frame)
        return filter->source ? av_buffersrc_add_frame_flags(filter->source, NULL, 0) : AVERROR_EOF;
    int same_frames = (!frame->hw_frames_ctx && !filter->input_frames)
        || (frame->hw_frames_ctx && filter->input_frames && frame->hw_frames_ctx->data == filter->input_frames->data);
    if (!filter->graph || frame->width != filter->width || frame->height != filter->height || frame->format != filter->format || !same_frames) {
        int result = filter_configure(filter, frame);
        if (result < 0) {
            filter_reset(filter);
            return result;
        }
    }
    return av_buffersrc_add_frame_flags(filter->source, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
}

/* Receives one filtered frame into frame (its old content is released); EAGAIN when it needs more input. */
EB_EXPORT int eb_filter_receive(eb_filter *filter, AVFrame *frame)
{
    av_frame_unref(frame);
    if (!filter->sink)
        return AVERROR(EAGAIN);
    return av_buffersink_get_frame(filter->sink, frame);
}

/* ---- Scaler (libswscale): size and pixel-format conversion of software frames ---- */

typedef struct eb_scaler {
    struct SwsContext *context;
    int dst_width, dst_height;
    enum AVPixelFormat dst_format;
} eb_scaler;

/*
 * A converter from any software frame to dst_width x dst_height in dst_pix_fmt (bicubic). The source
 * size and format are taken from each frame (the context is rebuilt when they change).
 */
EB_EXPORT int eb_scaler_open(int dst_width, int dst_height, int dst_pix_fmt, eb_scaler **out)
{
    *out = NULL;
    enum AVPixelFormat format = to_av_pix(dst_pix_fmt);
    if (format == AV_PIX_FMT_NONE || dst_width <= 0 || dst_height <= 0)
        return AVERROR(EINVAL);
    eb_scaler *scaler = av_mallocz(sizeof(*scaler));
    if (!scaler)
        return AVERROR(ENOMEM);
    scaler->dst_width = dst_width;
    scaler->dst_height = dst_height;
    scaler->dst_format = format;
    *out = scaler;
    return 0;
}

EB_EXPORT int eb_scaler_scale(eb_scaler *scaler, const AVFrame *source, AVFrame *destination)
{
    if (source->hw_frames_ctx || source->width <= 0)
        return AVERROR(EINVAL);
    scaler->context = sws_getCachedContext(scaler->context, source->width, source->height, (enum AVPixelFormat)source->format,
                                           scaler->dst_width, scaler->dst_height, scaler->dst_format, SWS_BICUBIC, NULL, NULL, NULL);
    if (!scaler->context)
        return AVERROR(EINVAL);
    av_frame_unref(destination);
    destination->width = scaler->dst_width;
    destination->height = scaler->dst_height;
    destination->format = scaler->dst_format;
    int result = av_frame_get_buffer(destination, 0);
    if (result < 0)
        return result;
    result = sws_scale(scaler->context, (const uint8_t *const *)source->data, source->linesize, 0, source->height,
                       destination->data, destination->linesize);
    if (result < 0)
        return result;
    destination->pts = source->pts;
    return 0;
}

/*
 * Scales a software frame into a caller's buffer of one packed plane (RGB24/BGR24/GRAY8) of the
 * scaler's size: the inference pre-processing writes straight into its tensor staging memory, so no
 * frame is allocated per picture.
 */
EB_EXPORT int eb_scaler_scale_to(eb_scaler *scaler, const AVFrame *source, uint8_t *data, int linesize)
{
    if (source->hw_frames_ctx || source->width <= 0 || !data || linesize <= 0)
        return AVERROR(EINVAL);
    if (av_pix_fmt_count_planes(scaler->dst_format) != 1)
        return AVERROR(EINVAL);
    scaler->context = sws_getCachedContext(scaler->context, source->width, source->height, (enum AVPixelFormat)source->format,
                                           scaler->dst_width, scaler->dst_height, scaler->dst_format, SWS_BILINEAR, NULL, NULL, NULL);
    if (!scaler->context)
        return AVERROR(EINVAL);
    uint8_t *planes[4] = {data, NULL, NULL, NULL};
    int linesizes[4] = {linesize, 0, 0, 0};
    int result = sws_scale(scaler->context, (const uint8_t *const *)source->data, source->linesize, 0, source->height, planes, linesizes);
    return result < 0 ? result : 0;
}

EB_EXPORT void eb_scaler_close(eb_scaler *scaler)
{
    if (!scaler)
        return;
    sws_freeContext(scaler->context);
    av_free(scaler);
}

/* FFmpeg's own log output (stderr): EdgeBox reports errors itself, with av_strerror messages. */
EB_EXPORT void eb_set_log_level(int level) { av_log_set_level(level); }

/* ---- Audio encoders ---- */

/*
 * Opens an audio encoder by name ("libopus", "aac") at sample_rate with channels, bitrate in bit/s.
 * Input frames of any layout, rate and sample format are converted (libswresample) and cut into the
 * encoder's frame size; pts follow the output sample count (time base 1/sample_rate).
 */
EB_EXPORT int eb_audio_encoder_open(const char *name, int sample_rate, int channels, int64_t bitrate, int global_header,
                                    const char *options, eb_codec **out)
{
    *out = NULL;
    const AVCodec *encoder = avcodec_find_encoder_by_name(name);
    if (!encoder)
        return AVERROR_ENCODER_NOT_FOUND;
    eb_codec *codec = av_mallocz(sizeof(*codec));
    if (!codec)
        return AVERROR(ENOMEM);
    codec->is_encoder = 1;
    codec->next_pts = AV_NOPTS_VALUE;
    codec->context = avcodec_alloc_context3(encoder);
    codec->packet = av_packet_alloc();
    codec->block = av_frame_alloc();
    if (!codec->context || !codec->packet || !codec->block) {
        codec_free(codec);
        return AVERROR(ENOMEM);
    }
    AVCodecContext *c = codec->context;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    c->sample_fmt = encoder->sample_fmts ? encoder->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
#pragma GCC diagnostic pop
    c->sample_rate = sample_rate;
    av_channel_layout_default(&c->ch_layout, channels);
    c->time_base = (AVRational){ 1, sample_rate };
    if (bitrate > 0)
        c->bit_rate = bitrate;
    if (global_header)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *dict = NULL;
    int result = 0;
    if (options && options[0])
        result = av_dict_parse_string(&dict, options, "=", ":", 0);
    if (result >= 0)
        result = avcodec_open2(c, encoder, &dict);
    if (result >= 0 && av_dict_count(dict) > 0)
        result = AVERROR_OPTION_NOT_FOUND;
    av_dict_free(&dict);
    if (result >= 0) {
        codec->fifo = av_audio_fifo_alloc(c->sample_fmt, c->ch_layout.nb_channels, c->frame_size > 0 ? c->frame_size * 4 : 4096);
        if (!codec->fifo)
            result = AVERROR(ENOMEM);
    }
    if (result < 0) {
        codec_free(codec);
        return result;
    }
    *out = codec;
    return 0;
}

/*
 * Queues decoded audio (NULL: no more input, drain what is queued). in_pts_rate is the clock of the
 * frame's pts (its sample rate for EdgeBox audio tracks); a gap or jump of more than 100 ms resets
 * the output clock to the input's.
 */
EB_EXPORT int eb_audio_encoder_send(eb_codec *codec, const AVFrame *frame, int in_pts_rate)
{
    AVCodecContext *c = codec->context;
    if (!frame) {
        codec->draining = 1;
        return 0;
    }
    if (!codec->swr) {
        /* A copy: FFmpeg 5.1 takes the layout as non-const; decoders of raw PCM leave the order unspecified. */
        AVChannelLayout in_layout = { 0 };
        int result = av_channel_layout_copy(&in_layout, &frame->ch_layout);
        if (result >= 0 && in_layout.order == AV_CHANNEL_ORDER_UNSPEC)
            av_channel_layout_default(&in_layout, in_layout.nb_channels > 0 ? in_layout.nb_channels : 1);
        if (result >= 0)
            result = swr_alloc_set_opts2(&codec->swr, &c->ch_layout, c->sample_fmt, c->sample_rate,
                                         &in_layout, (enum AVSampleFormat)frame->format, frame->sample_rate, 0, NULL);
        av_channel_layout_uninit(&in_layout);
        if (result < 0)
            return result;
        result = swr_init(codec->swr);
        if (result < 0) {
            swr_free(&codec->swr);
            return result;
        }
    }
    if (frame->pts != AV_NOPTS_VALUE && in_pts_rate > 0) {
        int64_t expected = av_rescale(frame->pts, c->sample_rate, in_pts_rate) - av_audio_fifo_size(codec->fifo);
        if (codec->next_pts == AV_NOPTS_VALUE || llabs(expected - codec->next_pts) > c->sample_rate / 10)
            codec->next_pts = expected;
    } else if (codec->next_pts == AV_NOPTS_VALUE) {
        codec->next_pts = 0;
    }
    int capacity = swr_get_out_samples(codec->swr, frame->nb_samples);
    if (capacity < 0)
        return capacity;
    uint8_t **converted = NULL;
    int result = av_samples_alloc_array_and_samples(&converted, NULL, c->ch_layout.nb_channels, capacity, c->sample_fmt, 0);
    if (result < 0)
        return result;
    int samples = swr_convert(codec->swr, converted, capacity, (const uint8_t **)frame->extended_data, frame->nb_samples);
    if (samples > 0)
        result = av_audio_fifo_write(codec->fifo, (void **)converted, samples);
    else
        result = samples;
    av_freep(&converted[0]);
    av_freep(&converted);
    return result < 0 ? result : 0;
}

/* Feeds the encoder one frame_size block from the queue when it has one (or the rest when draining). */
static int audio_feed(eb_codec *codec)
{
    AVCodecContext *c = codec->context;
    int queued = av_audio_fifo_size(codec->fifo);
    int size = c->frame_size > 0 ? c->frame_size : 1024;
    if (queued < size && !(codec->draining && queued > 0)) {
        if (codec->draining == 1) {
            codec->draining = 2;
            return avcodec_send_frame(c, NULL);
        }
        return AVERROR(EAGAIN);
    }
    int take = queued < size ? queued : size;
    av_frame_unref(codec->block);
    codec->block->nb_samples = take;
    codec->block->format = c->sample_fmt;
    codec->block->sample_rate = c->sample_rate;
    int result = av_channel_layout_copy(&codec->block->ch_layout, &c->ch_layout);
    if (result >= 0)
        result = av_frame_get_buffer(codec->block, 0);
    if (result >= 0)
        result = av_audio_fifo_read(codec->fifo, (void **)codec->block->data, take);
    if (result < 0)
        return result;
    codec->block->pts = codec->next_pts;
    codec->next_pts += take;
    return avcodec_send_frame(c, codec->block);
}

/* Receives one audio packet, feeding queued samples to the encoder as it needs them. */
EB_EXPORT int eb_audio_encoder_receive(eb_codec *codec, const uint8_t **data, int *size, int64_t *pts, int *keyframe)
{
    for (;;) {
        av_packet_unref(codec->packet);
        int result = avcodec_receive_packet(codec->context, codec->packet);
        if (result == AVERROR(EAGAIN)) {
            result = audio_feed(codec);
            if (result < 0)
                return result;
            continue;
        }
        if (result < 0)
            return result;
        *data = codec->packet->data;
        *size = codec->packet->size;
        *pts = codec->packet->pts;
        *keyframe = 1;
        return 0;
    }
}

/* Allocates an audio frame of samples x channels in signed 16-bit interleaved PCM at sample_rate (for generated audio). */
EB_EXPORT int eb_frame_alloc_audio(AVFrame *frame, int samples, int sample_rate, int channels)
{
    av_frame_unref(frame);
    frame->nb_samples = samples;
    frame->sample_rate = sample_rate;
    frame->format = AV_SAMPLE_FMT_S16;
    av_channel_layout_default(&frame->ch_layout, channels);
    return av_frame_get_buffer(frame, 0);
}
