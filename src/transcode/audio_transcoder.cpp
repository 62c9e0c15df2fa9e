#include "transcode/audio_transcoder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "media/aac.hpp"

namespace tidecast::transcode {

namespace {

int aac_output_rate(int input_rate) {
  static constexpr int kRates[] = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
  for (const int rate : kRates) {
    if (rate == input_rate) return rate;
  }
  return 48000;
}

}  // namespace

AudioTranscoder::AudioTranscoder(const AVCodecParameters* input, AVRational time_base, int bitrate_kbps)
    : time_base_(time_base), decoded_(make_frame()), chunk_(make_frame()), packet_(make_packet()) {
  const AVCodec* decoder = avcodec_find_decoder(input->codec_id);
  const std::string decoder_name = fmt::format("audio decoder {}", avcodec_get_name(input->codec_id));
  decoder_ = make_codec_context(decoder, decoder_name);
  check(avcodec_parameters_to_context(decoder_.get(), input), decoder_name);
  decoder_->pkt_timebase = time_base;
  check(avcodec_open2(decoder_.get(), decoder, nullptr), "open " + decoder_name);

  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_AAC);
  encoder_ = make_codec_context(encoder, "audio encoder aac");
  encoder_->sample_rate = aac_output_rate(decoder_->sample_rate);
  encoder_->sample_fmt = AV_SAMPLE_FMT_FLTP;
  const int channels = std::clamp(decoder_->ch_layout.nb_channels, 1, 2);
  av_channel_layout_default(&encoder_->ch_layout, channels);
  encoder_->bit_rate = static_cast<std::int64_t>(bitrate_kbps) * 1000;
  encoder_->time_base = AVRational{1, encoder_->sample_rate};
  encoder_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check(avcodec_open2(encoder_.get(), encoder, nullptr), "open audio encoder aac");
  if (!encoder_->extradata || encoder_->extradata_size < 2) throw TranscodeError("transcode audio encoder aac: no ASC");
  config_ = media::aac_audio_config({encoder_->extradata, static_cast<std::size_t>(encoder_->extradata_size)});

  SwrContext* swr = nullptr;
  AVChannelLayout in_layout{};
  if (decoder_->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || decoder_->ch_layout.nb_channels == 0) {
    av_channel_layout_default(&in_layout, std::max(1, decoder_->ch_layout.nb_channels));
  } else {
    check(av_channel_layout_copy(&in_layout, &decoder_->ch_layout), "audio channel layout");
  }
  const int made = swr_alloc_set_opts2(&swr, &encoder_->ch_layout, encoder_->sample_fmt, encoder_->sample_rate,
                                       &in_layout, decoder_->sample_fmt, decoder_->sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  swr_.reset(swr);
  check(made, "audio resampler");
  check(swr_init(swr_.get()), "audio resampler init");
  fifo_.reset(av_audio_fifo_alloc(encoder_->sample_fmt, channels, encoder_->frame_size * 4));
  if (!fifo_) throw TranscodeError("transcode: out of memory (audio fifo)");
}

void AudioTranscoder::push(const AVPacket* packet, std::vector<media::Packet>& out) {
  const int sent = avcodec_send_packet(decoder_.get(), packet);
  if (sent < 0 && sent != AVERROR(EAGAIN) && sent != AVERROR_INVALIDDATA) check(sent, "audio decode");
  decode_frames(out);
}

void AudioTranscoder::flush(std::vector<media::Packet>& out) {
  avcodec_send_packet(decoder_.get(), nullptr);
  decode_frames(out);
  encode_from_fifo(true, out);
  check(avcodec_send_frame(encoder_.get(), nullptr), "audio encode flush");
  receive_packets(out);
}

void AudioTranscoder::decode_frames(std::vector<media::Packet>& out) {
  for (;;) {
    const int got = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
    if (got == AVERROR_INVALIDDATA) continue;
    check(got, "audio decode");
    if (!have_start_) {
      const std::int64_t pts = decoded_->best_effort_timestamp;
      start_ = pts == AV_NOPTS_VALUE ? 0 : av_rescale_q(pts, time_base_, encoder_->time_base);
      have_start_ = true;
    }
    const int capacity = swr_get_out_samples(swr_.get(), decoded_->nb_samples);
    if (capacity <= 0) {
      av_frame_unref(decoded_.get());
      continue;
    }
    check(av_audio_fifo_realloc(fifo_.get(), av_audio_fifo_size(fifo_.get()) + capacity), "audio fifo");
    FramePtr converted = make_frame();
    converted->format = encoder_->sample_fmt;
    converted->sample_rate = encoder_->sample_rate;
    check(av_channel_layout_copy(&converted->ch_layout, &encoder_->ch_layout), "audio layout");
    converted->nb_samples = capacity;
    check(av_frame_get_buffer(converted.get(), 0), "audio buffer");
    const int samples =
        check(swr_convert(swr_.get(), converted->data, capacity,
                          const_cast<const std::uint8_t**>(decoded_->extended_data), decoded_->nb_samples),
              "audio resample");
    av_frame_unref(decoded_.get());
    check(av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(converted->data), samples), "audio fifo");
    encode_from_fifo(false, out);
  }
}

void AudioTranscoder::encode_from_fifo(bool final, std::vector<media::Packet>& out) {
  const int frame_size = encoder_->frame_size > 0 ? encoder_->frame_size : 1024;
  while (av_audio_fifo_size(fifo_.get()) >= frame_size || (final && av_audio_fifo_size(fifo_.get()) > 0)) {
    const int samples = std::min(frame_size, av_audio_fifo_size(fifo_.get()));
    av_frame_unref(chunk_.get());
    chunk_->format = encoder_->sample_fmt;
    chunk_->sample_rate = encoder_->sample_rate;
    check(av_channel_layout_copy(&chunk_->ch_layout, &encoder_->ch_layout), "audio layout");
    chunk_->nb_samples = samples;
    check(av_frame_get_buffer(chunk_.get(), 0), "audio buffer");
    check(av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(chunk_->data), samples), "audio fifo");
    chunk_->pts = samples_;
    samples_ += samples;
    check(avcodec_send_frame(encoder_.get(), chunk_.get()), "audio encode aac");
    receive_packets(out);
  }
}

void AudioTranscoder::receive_packets(std::vector<media::Packet>& out) {
  for (;;) {
    const int got = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
    check(got, "audio encode aac");
    media::Packet packet;
    packet.kind = media::TrackKind::audio;
    packet.timescale = static_cast<std::uint32_t>(encoder_->sample_rate);
    // The encoder's priming delay is not part of the source timeline.
    packet.pts = packet.dts = start_ + packet_->pts + encoder_->initial_padding;
    packet.keyframe = true;
    packet.data.assign(packet_->data, packet_->data + packet_->size);
    av_packet_unref(packet_.get());
    out.push_back(std::move(packet));
  }
}

}  // namespace tidecast::transcode
