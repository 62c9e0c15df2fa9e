#include "app/cli.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/catalog_adapters.hpp"
#include "app/maintenance.hpp"
#include "app/runner_role.hpp"
#include "catalog/catalog.hpp"
#include "core/log.hpp"
#include "core/password.hpp"
#include "tidecast/server.hpp"
#include "transcode/av_util.hpp"
#include "transcode/file_transcode.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::app {

namespace {

constexpr std::string_view kUsage = R"(Usage: tidecast [OPTIONS] [COMMAND]

Runs the Tidecast live and on-demand video server.

Commands:
  serve                      run the server (default)
  channel add NAME [--title TITLE]
                             create a channel and print its stream key (shown once)
  channel list               list channels
  channel rotate-key NAME    issue a new stream key for a channel
  channel set-ladder NAME off|default|RUNG[,RUNG...] [--no-source]
                             the channel's own ladder from the next publish on: off (the
                             source only), default (the configured ladder), or only the
                             named configured rungs; --no-source stops offering the source
  channel set-latency NAME normal|low|default
                             the channel's latency mode from the next publish on (default:
                             the server's live.latency_mode)
  token add NAME             create an API token (admin rights) and print it (shown once)
  token list                 list these command-line tokens (names and last use, never
                             the tokens; users manage their own at /api/v1/tokens)
  token revoke NAME          delete a command-line token; it stops working at once
  admin create-user NAME [--role admin|artist]
                             create a user (default role: artist); the password is read
                             from stdin (one line); when stdin is empty a password is
                             generated and printed once
  admin reset-password NAME  set a new password (stdin, or generated when empty); the
                             user's sessions end
  admin list-users           list users and their roles
  admin delete-user NAME     delete a user: their sessions and tokens end, their channels
                             and videos pass to the admins
  backup DEST                online copy of the catalog and finished videos into DEST
  catalog copy-to-postgres URL
                             copy this box's catalog (data_dir/tidecast.db) into an empty
                             PostgreSQL database, every id kept: the first step to a
                             cluster (docs/scaling.md)
  runner                     a cluster's conversion runner only (role convert, no HTTP):
                             claims jobs from the shared catalog, converts, publishes
                             to the storage node (docs/scaling.md)
  transcode INPUT OUTDIR     run the live ladder (config "transcode") on a file as fast as
                             possible; writes CMAF segments, HLS and DASH into OUTDIR

Options:
  --config FILE              JSON config (with comments); defaults are built in
  --data-dir DIR             overrides data_dir
  --http-listen HOST:PORT    overrides http.listen (port 0 = any free port)
  --rtmp-listen HOST:PORT    overrides rtmp.listen
  --log-level LEVEL          debug, info, warn, error or off
  --check-config FILE        validate a config file and exit
  --help                     show this help
  --version                  print the version
)";

struct Options {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> http_listen;
  std::optional<std::string> rtmp_listen;
  std::optional<std::string> log_level;
  std::optional<std::string> title;
  std::optional<std::string> role;
  std::optional<std::string> check_config;
  std::vector<std::string> command;
  bool no_source = false;  // channel set-ladder
  bool help = false;
  bool version = false;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::optional<std::string>& out) {
      if (i + 1 >= argc) throw UsageError(fmt::format("{} needs a value", arg));
      out = argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--version") {
      options.version = true;
    } else if (arg == "--config") {
      value(options.config_file);
    } else if (arg == "--data-dir") {
      value(options.data_dir);
    } else if (arg == "--http-listen") {
      value(options.http_listen);
    } else if (arg == "--rtmp-listen") {
      value(options.rtmp_listen);
    } else if (arg == "--log-level") {
      value(options.log_level);
    } else if (arg == "--title") {
      value(options.title);
    } else if (arg == "--role") {
      value(options.role);
    } else if (arg == "--check-config") {
      value(options.check_config);
    } else if (arg == "--no-source") {
      options.no_source = true;
    } else if (arg.starts_with("-")) {
      throw UsageError(fmt::format("unknown option {}", arg));
    } else {
      options.command.emplace_back(arg);
    }
  }
  return options;
}

Config build_config(const Options& options) {
  Config config = options.config_file ? load_config_file(*options.config_file) : Config{};
  if (options.data_dir) config.data_dir = *options.data_dir;
  if (options.http_listen) config.http.listen = *options.http_listen;
  if (options.rtmp_listen) config.rtmp.listen = *options.rtmp_listen;
  if (options.log_level) config.log_level = *options.log_level;
  validate_config(config);
  return config;
}

int serve(const Config& config, const std::optional<std::string>& config_file) {
  // Block the stop signals before any thread starts, so every thread inherits
  // the mask and only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Server server(config);
  server.start();
  std::printf("tidecast %s listening: http=%u rtmp=%u", version(), server.http_port(), server.rtmp_port());
  if (server.https_port() != 0) std::printf(" https=%u", server.https_port());
  if (server.rtmps_port() != 0) std::printf(" rtmps=%u", server.rtmps_port());
  std::printf("\n");
  std::fflush(stdout);
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    // Reload what can change without dropping streams; a bad file keeps the old settings.
    try {
      server.reload(config_file ? load_config_file(*config_file) : server.config());
    } catch (const ConfigError& e) {
      std::fprintf(stderr, "tidecast: reload ignored, config error: %s\n", e.what());
    }
  }
  server.stop();
  return 0;
}

int channel_command(const Config& config, const Options& options) {
  const auto& cmd = options.command;
  std::filesystem::create_directories(config.data_dir);
  catalog::Catalog catalog(catalog_location(config));
  if (cmd.size() == 3 && cmd[1] == "add") {
    auto created = catalog.channels().create(cmd[2], options.title.value_or(""));
    std::printf("channel:    %s\nstream key: %s\n(the key is shown only this once)\n", created.channel.name.c_str(),
                created.stream_key.c_str());
    return 0;
  }
  if (cmd.size() == 2 && cmd[1] == "list") {
    for (const auto& channel : catalog.channels().list()) {
      std::printf("%s\t%s\n", channel.name.c_str(), channel.title.c_str());
    }
    return 0;
  }
  if (cmd.size() == 3 && cmd[1] == "rotate-key") {
    const auto key = catalog.channels().regenerate_key(cmd[2]);
    if (!key) throw catalog::InvalidInput(fmt::format("no channel named \"{}\"", cmd[2]));
    std::printf("stream key: %s\n", key->c_str());
    return 0;
  }
  if (cmd.size() == 4 && cmd[1] == "set-ladder") {
    transcode::LadderChoice choice;
    try {
      choice = transcode::ladder_choice_from_words(cmd[3], options.no_source, config.transcode);
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("channel set-ladder: {}", e.what()));
    }
    const std::optional<std::string> json =
        choice.is_default() ? std::nullopt : std::optional<std::string>(transcode::to_json(choice));
    if (!catalog.channels().set_ladder(cmd[2], json)) {
      throw catalog::InvalidInput(fmt::format("no channel named \"{}\"", cmd[2]));
    }
    std::printf("channel %s ladder: %s (from the next publish on)\n", cmd[2].c_str(), json ? json->c_str() : "default");
    return 0;
  }
  if (cmd.size() == 4 && cmd[1] == "set-latency") {
    if (cmd[3] != "normal" && cmd[3] != "low" && cmd[3] != "default") {
      throw UsageError(fmt::format("channel set-latency: expected normal, low or default, got \"{}\"", cmd[3]));
    }
    const auto mode = cmd[3] == "default" ? std::nullopt : std::optional<std::string_view>(cmd[3]);
    if (!catalog.channels().set_latency_mode(cmd[2], mode)) {
      throw catalog::InvalidInput(fmt::format("no channel named \"{}\"", cmd[2]));
    }
    std::printf("channel %s latency: %s (from the next publish on)\n", cmd[2].c_str(), cmd[3].c_str());
    return 0;
  }
  throw UsageError(
      "usage: tidecast channel add NAME [--title TITLE] | channel list | channel rotate-key NAME | "
      "channel set-ladder NAME off|default|RUNG[,RUNG...] [--no-source] | "
      "channel set-latency NAME normal|low|default");
}

int token_command(const Config& config, const Options& options) {
  const auto& cmd = options.command;
  std::filesystem::create_directories(config.data_dir);
  catalog::Catalog catalog(catalog_location(config));
  if (cmd.size() == 3 && cmd[1] == "add") {
    const auto created = catalog.tokens().create(cmd[2]);
    std::printf("token: %s\n(name \"%s\"; shown only this once; send it as \"Authorization: Bearer <token>\")\n",
                created.secret.c_str(), created.token.name.c_str());
    return 0;
  }
  if (cmd.size() == 2 && cmd[1] == "list") {
    for (const auto& token : catalog.tokens().list()) {
      const std::string used = token.last_used_at ? fmt::format("{}", *token.last_used_at) : "never";
      std::printf("%s\tcreated=%lld\tlast_used=%s\n", token.name.c_str(), static_cast<long long>(token.created_at),
                  used.c_str());
    }
    return 0;
  }
  if (cmd.size() == 3 && cmd[1] == "revoke") {
    if (!catalog.tokens().revoke(cmd[2])) throw catalog::InvalidInput(fmt::format("no token named \"{}\"", cmd[2]));
    std::printf("revoked: %s\n", cmd[2].c_str());
    return 0;
  }
  throw UsageError("usage: tidecast token add NAME | token list | token revoke NAME");
}

// One line from stdin without its line end; empty at EOF.
std::string read_password_line() {
  if (isatty(STDIN_FILENO)) std::fputs("password (empty: generate one): ", stderr);
  std::string line;
  for (int c = std::fgetc(stdin); c != EOF && c != '\n'; c = std::fgetc(stdin)) {
    line.push_back(static_cast<char>(c));
    if (line.size() > core::kMaxPasswordBytes) throw catalog::InvalidInput("the password is longer than 1024 bytes");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int admin_command(const Config& config, const Options& options) {
  const auto& cmd = options.command;
  std::filesystem::create_directories(config.data_dir);
  catalog::Catalog catalog(catalog_location(config));
  if (cmd.size() == 3 && cmd[1] == "create-user") {
    const auto role = catalog::parse_role(options.role.value_or("artist"));
    if (!role) throw UsageError("--role must be admin or artist");
    if (!catalog::is_valid_user_name(cmd[2])) {
      throw catalog::InvalidInput(
          fmt::format("user name \"{}\" is invalid: use 1-64 letters, digits, '.', '-' or '_'", cmd[2]));
    }
    if (catalog.users().find_by_name(cmd[2])) {
      throw catalog::Conflict(fmt::format("a user named \"{}\" already exists", cmd[2]));
    }
    std::string password = read_password_line();
    const bool generated = password.empty();
    if (generated) password = core::generate_password();
    if (password.size() < 8) throw catalog::InvalidInput("the password must have at least 8 characters");
    const auto user = catalog.users().create(cmd[2], core::hash_password(password), *role);
    std::printf("user: %s (%s)\n", user.name.c_str(), std::string(catalog::to_string(user.role)).c_str());
    if (generated) std::printf("password: %s\n(generated; shown only this once)\n", password.c_str());
    return 0;
  }
  if (cmd.size() == 3 && cmd[1] == "reset-password") {
    if (!catalog.users().find_by_name(cmd[2])) throw catalog::InvalidInput(fmt::format("no user named \"{}\"", cmd[2]));
    std::string password = read_password_line();
    const bool generated = password.empty();
    if (generated) password = core::generate_password();
    if (password.size() < 8) throw catalog::InvalidInput("the password must have at least 8 characters");
    catalog.users().set_password_hash(cmd[2], core::hash_password(password));
    std::printf("password changed: %s (signed out everywhere)\n", cmd[2].c_str());
    if (generated) std::printf("password: %s\n(generated; shown only this once)\n", password.c_str());
    return 0;
  }
  if (cmd.size() == 2 && cmd[1] == "list-users") {
    for (const auto& user : catalog.users().list()) {
      std::printf("%s\t%s\tcreated=%lld\n", user.name.c_str(), std::string(catalog::to_string(user.role)).c_str(),
                  static_cast<long long>(user.created_at));
    }
    return 0;
  }
  if (cmd.size() == 3 && cmd[1] == "delete-user") {
    if (!catalog.users().remove(cmd[2])) throw catalog::InvalidInput(fmt::format("no user named \"{}\"", cmd[2]));
    std::printf("deleted: %s\n", cmd[2].c_str());
    return 0;
  }
  throw UsageError(
      "usage: tidecast admin create-user NAME [--role admin|artist] | admin reset-password NAME | admin list-users | "
      "admin delete-user NAME");
}

int transcode_command(const Config& config, const Options& options) {
  const auto& cmd = options.command;
  if (cmd.size() != 3) throw UsageError("usage: tidecast transcode INPUT OUTDIR");
  core::Logger log(core::parse_log_level(config.log_level).value_or(core::LogLevel::info), stderr);
  transcode::set_libav_log_level(log.level());
  transcode::FileTranscodeOptions job;
  job.ladder = config.transcode;
  job.segment_seconds = config.live.segment_seconds;
  job.threads = config.threads.cpu;
  job.log = &log;
  const auto summary = transcode::transcode_file(cmd[1], cmd[2], job);
  std::string tracks;
  for (const auto& track : summary.tracks) {
    tracks += fmt::format(" {}={}", track.id, track.name);
    if (track.width > 0) tracks += fmt::format(":{}x{}", track.width, track.height);
    tracks += fmt::format(":{}k", track.average_bandwidth / 1000);
  }
  std::printf("transcode: frames=%llu media_seconds=%.2f wall_seconds=%.2f cpu_seconds=%.2f speed=%.2fx%s\n",
              static_cast<unsigned long long>(summary.frames), summary.media_seconds, summary.wall_seconds,
              summary.cpu_seconds, summary.speed(), tracks.c_str());
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    if (options.help) {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
    if (options.version) {
      std::printf("tidecast %s\n", version());
      return 0;
    }
    if (options.check_config) return check_config_command(*options.check_config);
    const Config config = build_config(options);
    if (options.command.empty() || options.command[0] == "serve") return serve(config, options.config_file);
    if (options.command[0] == "channel") return channel_command(config, options);
    if (options.command[0] == "token") return token_command(config, options);
    if (options.command[0] == "admin") return admin_command(config, options);
    if (options.command[0] == "backup") {
      if (options.command.size() != 2) throw UsageError("usage: tidecast backup DEST");
      return backup_command(config, options.command[1]);
    }
    if (options.command[0] == "catalog") {
      if (options.command.size() != 3 || options.command[1] != "copy-to-postgres") {
        throw UsageError("usage: tidecast catalog copy-to-postgres URL");
      }
      return copy_to_postgres_command(config, options.command[2]);
    }
    if (options.command[0] == "transcode") return transcode_command(config, options);
    if (options.command[0] == "runner") return runner_command(config);
    throw UsageError(fmt::format("unknown command \"{}\"", options.command[0]));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "tidecast: %s\n\n%s", e.what(), kUsage.data());
    return 2;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "tidecast: config error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tidecast: %s\n", e.what());
    return 1;
  }
}

}  // namespace tidecast::app
