#include "package/fmp4.hpp"

#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "package/box_writer.hpp"

namespace tidecast::package {
namespace {

constexpr std::uint32_t kUnityMatrix[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};

void write_matrix(BoxWriter& w) {
  for (const std::uint32_t value : kUnityMatrix) w.u32(value);
}

void write_ftyp(BoxWriter& w) {
  w.box("ftyp", [&] {
    w.fourcc("iso6");
    w.u32(0);  // minor_version
    for (const char* brand : {"iso6", "cmfc", "mp41", "dash"}) w.fourcc(brand);
  });
}

void write_mvhd(BoxWriter& w, const TrackSpec& track) {
  w.full_box("mvhd", 0, 0, [&] {
    w.u32(0);  // creation_time
    w.u32(0);  // modification_time
    w.u32(track.timescale);
    w.u32(0);           // duration: unknown (fragmented)
    w.u32(0x00010000);  // rate 1.0
    w.u16(0x0100);      // volume 1.0
    w.zeros(2 + 8);     // reserved
    write_matrix(w);
    w.zeros(6 * 4);  // pre_defined
    w.u32(track.track_id + 1);
  });
}

void write_tkhd(BoxWriter& w, const TrackSpec& track) {
  w.full_box("tkhd", 0, 0x000003, [&] {  // track_enabled | track_in_movie
    w.u32(0);                            // creation_time
    w.u32(0);                            // modification_time
    w.u32(track.track_id);
    w.u32(0);  // reserved
    w.u32(0);  // duration
    w.zeros(8);
    w.u16(0);                           // layer
    w.u16(0);                           // alternate_group
    w.u16(track.audio() ? 0x0100 : 0);  // volume
    w.u16(0);
    write_matrix(w);
    const media::VideoTrackConfig* video = track.video();
    const auto dimension = [](int pixels) {
      return static_cast<std::uint32_t>(pixels < 0 ? 0 : pixels & 0xffff) << 16;
    };
    w.u32(video ? dimension(video->width) : 0);
    w.u32(video ? dimension(video->height) : 0);
  });
}

void write_mdhd(BoxWriter& w, const TrackSpec& track) {
  w.full_box("mdhd", 0, 0, [&] {
    w.u32(0);
    w.u32(0);
    w.u32(track.timescale);
    w.u32(0);
    w.u16(0x55c4);  // language "und", packed ISO-639-2/T
    w.u16(0);
  });
}

void write_hdlr(BoxWriter& w, const TrackSpec& track) {
  w.full_box("hdlr", 0, 0, [&] {
    w.u32(0);  // pre_defined
    w.fourcc(track.video() ? "vide" : "soun");
    w.zeros(12);
    const std::string_view name = track.video() ? "Tidecast video" : "Tidecast audio";
    w.bytes({reinterpret_cast<const std::uint8_t*>(name.data()), name.size()});
    w.u8(0);
  });
}

void write_dinf(BoxWriter& w) {
  w.box("dinf", [&] {
    w.full_box("dref", 0, 0, [&] {
      w.u32(1);
      w.full_box("url ", 0, 0x000001, [] {});  // media data in the same file
    });
  });
}

std::string_view sample_entry_type(media::Codec codec) {
  switch (codec) {
    case media::Codec::h264:
      return "avc1";
    case media::Codec::hevc:
      return "hvc1";
    case media::Codec::av1:
      return "av01";
    case media::Codec::aac:
      break;
  }
  throw std::invalid_argument(std::string("fmp4: no video sample entry for codec ") + media::codec_name(codec));
}

std::string_view config_box_type(media::Codec codec) {
  switch (codec) {
    case media::Codec::h264:
      return "avcC";
    case media::Codec::hevc:
      return "hvcC";
    case media::Codec::av1:
      return "av1C";
    case media::Codec::aac:
      break;
  }
  throw std::invalid_argument(std::string("fmp4: no video config box for codec ") + media::codec_name(codec));
}

void write_visual_sample_entry(BoxWriter& w, const media::VideoTrackConfig& video) {
  if (video.width <= 0 || video.height <= 0 || video.width > 0xffff || video.height > 0xffff) {
    throw std::invalid_argument("fmp4: video size out of range");
  }
  w.box(sample_entry_type(video.codec), [&] {
    w.zeros(6);
    w.u16(1);  // data_reference_index
    w.u16(0);  // pre_defined
    w.u16(0);  // reserved
    w.zeros(12);
    w.u16(static_cast<std::uint16_t>(video.width));
    w.u16(static_cast<std::uint16_t>(video.height));
    w.u32(0x00480000);  // 72 dpi
    w.u32(0x00480000);
    w.u32(0);       // reserved
    w.u16(1);       // frame_count
    w.zeros(32);    // compressorname (empty)
    w.u16(0x0018);  // depth
    w.i16(-1);      // pre_defined
    w.box(config_box_type(video.codec), [&] { w.bytes(video.decoder_config); });
  });
}

// MPEG-4 descriptor (14496-1 7.2.2): tag, expandable length, payload.
void write_descriptor(BoxWriter& w, std::uint8_t tag, std::span<const std::uint8_t> payload) {
  if (payload.size() >= (std::size_t{1} << 28)) throw std::length_error("fmp4: descriptor too large");
  w.u8(tag);
  const auto size = static_cast<std::uint32_t>(payload.size());
  for (int shift = 21; shift > 0; shift -= 7) {
    if (size >> shift) w.u8(static_cast<std::uint8_t>(0x80 | ((size >> shift) & 0x7f)));
  }
  w.u8(static_cast<std::uint8_t>(size & 0x7f));
  w.bytes(payload);
}

void write_esds(BoxWriter& w, const media::AudioTrackConfig& audio) {
  BoxWriter decoder_config;
  decoder_config.u8(0x40);                                       // objectTypeIndication: Audio ISO/IEC 14496-3
  decoder_config.u8(0x15);                                       // streamType 5 (audio) << 2 | reserved 1
  decoder_config.u24(0);                                         // bufferSizeDB
  decoder_config.u32(0);                                         // maxBitrate
  decoder_config.u32(0);                                         // avgBitrate
  write_descriptor(decoder_config, 0x05, audio.decoder_config);  // DecoderSpecificInfo

  BoxWriter es;
  es.u16(0);  // ES_ID
  es.u8(0);   // no dependsOn / URL / OCR
  write_descriptor(es, 0x04, decoder_config.data());
  const std::uint8_t sl_config[] = {0x02};  // predefined: MP4
  write_descriptor(es, 0x06, sl_config);

  w.full_box("esds", 0, 0, [&] { write_descriptor(w, 0x03, es.data()); });
}

void write_audio_sample_entry(BoxWriter& w, const media::AudioTrackConfig& audio) {
  if (audio.codec != media::Codec::aac) {
    throw std::invalid_argument(std::string("fmp4: no audio sample entry for codec ") + media::codec_name(audio.codec));
  }
  w.box("mp4a", [&] {
    w.zeros(6);
    w.u16(1);  // data_reference_index
    w.zeros(8);
    // 0 channels means a program_config_element; the decoder reads the real count from it.
    w.u16(static_cast<std::uint16_t>(audio.channels > 0 && audio.channels <= 0xffff ? audio.channels : 2));
    w.u16(16);  // samplesize
    w.u16(0);
    w.u16(0);
    // 16.16 fixed point; rates above 65535 Hz do not fit and are left to the AudioSpecificConfig.
    w.u32(audio.sample_rate > 0 && audio.sample_rate <= 0xffff ? static_cast<std::uint32_t>(audio.sample_rate) << 16
                                                               : 0);
    write_esds(w, audio);
  });
}

void write_stbl(BoxWriter& w, const TrackSpec& track) {
  w.box("stbl", [&] {
    w.full_box("stsd", 0, 0, [&] {
      w.u32(1);
      if (const auto* video = track.video()) {
        write_visual_sample_entry(w, *video);
      } else {
        write_audio_sample_entry(w, *track.audio());
      }
    });
    w.full_box("stts", 0, 0, [&] { w.u32(0); });
    w.full_box("stsc", 0, 0, [&] { w.u32(0); });
    w.full_box("stsz", 0, 0, [&] {
      w.u32(0);
      w.u32(0);
    });
    w.full_box("stco", 0, 0, [&] { w.u32(0); });
  });
}

}  // namespace

TrackSpec make_track_spec(const media::VideoTrackConfig& video, std::uint32_t track_id) {
  return TrackSpec{track_id, 90000, video};
}

TrackSpec make_track_spec(const media::AudioTrackConfig& audio, std::uint32_t track_id) {
  if (audio.sample_rate <= 0) throw std::invalid_argument("fmp4: audio sample rate must be positive");
  return TrackSpec{track_id, static_cast<std::uint32_t>(audio.sample_rate), audio};
}

std::vector<std::uint8_t> write_init_segment(const TrackSpec& track) {
  if (track.timescale == 0) throw std::invalid_argument("fmp4: timescale must be positive");
  BoxWriter w;
  write_ftyp(w);
  w.box("moov", [&] {
    write_mvhd(w, track);
    w.box("trak", [&] {
      write_tkhd(w, track);
      w.box("mdia", [&] {
        write_mdhd(w, track);
        write_hdlr(w, track);
        w.box("minf", [&] {
          if (track.video()) {
            w.full_box("vmhd", 0, 0x000001, [&] { w.zeros(8); });  // graphicsmode + opcolor
          } else {
            w.full_box("smhd", 0, 0, [&] { w.zeros(4); });  // balance + reserved
          }
          write_dinf(w);
          write_stbl(w, track);
        });
      });
    });
    w.box("mvex", [&] {
      w.full_box("trex", 0, 0, [&] {
        w.u32(track.track_id);
        w.u32(1);  // default_sample_description_index
        w.u32(0);  // default_sample_duration
        w.u32(0);  // default_sample_size
        w.u32(0);  // default_sample_flags
      });
    });
  });
  return w.take();
}

std::vector<std::uint8_t> write_media_segment(const TrackSpec& track, std::uint32_t sequence_number,
                                              std::uint64_t base_media_decode_time, std::span<const Sample> samples,
                                              bool with_styp) {
  if (samples.empty()) throw std::invalid_argument("fmp4: media segment needs at least one sample");
  std::size_t payload_size = 0;
  for (const Sample& sample : samples) {
    if (sample.data.size() > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("fmp4: sample too large");
    payload_size += sample.data.size();
  }
  const bool video = track.video() != nullptr;

  BoxWriter w;
  // styp 24, moof with its fixed boxes 96, trun 16 per sample at most, mdat header 8.
  w.reserve(24 + 96 + 16 * samples.size() + 8 + payload_size);
  if (with_styp) {
    w.box("styp", [&] {
      w.fourcc("msdh");
      w.u32(0);
      w.fourcc("msdh");
      w.fourcc("cmfs");
    });
  }
  const std::size_t moof = w.size();
  std::size_t data_offset_field = 0;
  w.box("moof", [&] {
    w.full_box("mfhd", 0, 0, [&] { w.u32(sequence_number); });
    w.box("traf", [&] {
      w.full_box("tfhd", 0, 0x020000, [&] { w.u32(track.track_id); });  // default-base-is-moof
      w.full_box("tfdt", 1, 0, [&] { w.u64(base_media_decode_time); });
      // data-offset, sample-duration, sample-size, sample-flags (+ composition offsets for video)
      const std::uint32_t flags = 0x000001 | 0x000100 | 0x000200 | 0x000400 | (video ? 0x000800 : 0);
      w.full_box("trun", 1, flags, [&] {
        if (samples.size() > std::numeric_limits<std::uint32_t>::max())
          throw std::length_error("fmp4: too many samples");
        w.u32(static_cast<std::uint32_t>(samples.size()));
        data_offset_field = w.size();
        w.i32(0);  // patched below
        for (const Sample& sample : samples) {
          w.u32(sample.duration);
          w.u32(static_cast<std::uint32_t>(sample.data.size()));
          w.u32(sample.is_sync ? kSyncSampleFlags : kNonSyncSampleFlags);
          if (video) w.i32(sample.composition_offset);
        }
      });
    });
  });
  const std::size_t moof_size = w.size() - moof;
  if (moof_size + 8 > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::length_error("fmp4: moof too large");
  }
  w.patch_u32(data_offset_field, static_cast<std::uint32_t>(moof_size + 8));  // first byte after the mdat header

  if (payload_size + 8 > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("fmp4: mdat too large");
  w.u32(static_cast<std::uint32_t>(payload_size + 8));
  w.fourcc("mdat");
  for (const Sample& sample : samples) w.bytes(sample.data);
  return w.take();
}

}  // namespace tidecast::package
