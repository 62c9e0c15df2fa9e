// Many clients in one process, for the fan-out benchmarks (bench/held_requests.py,
// bench/chat.py): one thread reads every socket, so the times it records are
// the server's, not a slow client's.
//
//   fanout_client http PORT TARGET CONNECTIONS SECONDS
//     opens CONNECTIONS keep-alive connections, then sends TARGET on each at
//     once and records when each answer is complete. Prints "sent <ms>" once
//     every request is written, then one JSON line:
//     {"answers": n, "status": {...}, "first_ms", "p50_ms", "p99_ms", "last_ms"}
//     (times since the requests were sent).
//   fanout_client ws PORT TARGET CONNECTIONS SECONDS
//     opens CONNECTIONS WebSockets, prints "ready", then for SECONDS records
//     every chat message whose text is "m <seq> <unix seconds sent>". Prints
//     one JSON line: {"deliveries", "p50_ms", "p99_ms", "max_ms", "first_p50_ms"}
//     (also at SIGINT, which ends the run early).
// Times are wall-clock (the sender is on the same machine). Clients come from
// 150 per loopback address (127.1.0.1, 127.1.0.2, ...), like an audience.
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "percentile.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Loopback source addresses spread the clients (150 per address) so per-address
// limits apply as they would to a real audience: 127.1.0.1, 127.1.0.2, ...
void open_from_spread_address(beast::tcp_stream& stream, std::size_t index) {
  const std::size_t n = index / 150;
  const net::ip::address_v4 source(net::ip::address_v4::bytes_type{127, 1, static_cast<unsigned char>(n / 250),
                                                                   static_cast<unsigned char>(n % 250 + 1)});
  stream.socket().open(tcp::v4());
  stream.socket().bind(tcp::endpoint(source, 0));
}

struct HttpRun {
  net::io_context& ioc;
  tcp::endpoint server;
  std::string target;
  std::size_t connections;
  std::size_t connected = 0;
  std::size_t written = 0;
  std::size_t finished = 0;  // answered or failed
  double sent_at = 0;
  std::vector<double> answers{};
  std::map<int, int> status{};
  std::vector<std::shared_ptr<beast::tcp_stream>> streams{};

  void start() {
    for (std::size_t i = 0; i < connections; ++i) {
      auto stream = std::make_shared<beast::tcp_stream>(ioc);
      open_from_spread_address(*stream, i);
      streams.push_back(stream);
      stream->async_connect(server, [this](beast::error_code ec) {
        if (ec) {
          std::fprintf(stderr, "connect: %s\n", ec.message().c_str());
          std::exit(1);
        }
        if (++connected == connections) send_all();
      });
    }
  }

  void send_all() {
    sent_at = now_ms();
    for (auto& stream : streams) {
      auto request = std::make_shared<http::request<http::empty_body>>(http::verb::get, target, 11);
      request->set(http::field::host, "127.0.0.1");
      http::async_write(*stream, *request, [this, stream, request](beast::error_code ec, std::size_t) {
        if (ec) return;
        if (++written == connections) {
          std::printf("sent %.1f\n", now_ms());
          std::fflush(stdout);
        }
        auto buffer = std::make_shared<beast::flat_buffer>();
        auto response = std::make_shared<http::response<http::string_body>>();
        http::async_read(*stream, *buffer, *response, [this, buffer, response](beast::error_code ec, std::size_t) {
          if (ec) {
            ++status[0];
          } else {
            answers.push_back(now_ms() - sent_at);
            ++status[static_cast<int>(response->result_int())];
          }
          if (++finished == connections) ioc.stop();
        });
      });
    }
  }

  void report() const {
    std::string statuses;
    for (const auto& [code, count] : status) {
      statuses += (statuses.empty() ? "" : ", ") + ("\"" + std::to_string(code) + "\": " + std::to_string(count));
    }
    std::printf(
        "{\"answers\": %zu, \"status\": {%s}, \"first_ms\": %.1f, \"p50_ms\": %.1f, \"p99_ms\": %.1f, "
        "\"last_ms\": %.1f}\n",
        answers.size(), statuses.c_str(), percentile(answers, 0), percentile(answers, 0.5), percentile(answers, 0.99),
        percentile(answers, 1));
  }
};

struct WsRun {
  net::io_context& ioc;
  tcp::endpoint server;
  std::string target;
  std::size_t connections;
  std::size_t ready = 0;
  std::vector<double> deliveries{};
  std::map<std::string, double> first{};  // per message: its earliest delivery

  struct Client {
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    explicit Client(net::io_context& ioc) : ws(ioc) {}
  };
  std::vector<std::shared_ptr<Client>> clients{};

  void start() {
    for (std::size_t i = 0; i < connections; ++i) {
      auto client = std::make_shared<Client>(ioc);
      clients.push_back(client);
      open_from_spread_address(beast::get_lowest_layer(client->ws), i);
      beast::get_lowest_layer(client->ws).async_connect(server, [this, client](beast::error_code ec) {
        if (ec) fail("connect", ec);
        client->ws.async_handshake("127.0.0.1", target, [this, client](beast::error_code ec) {
          if (ec) fail("handshake", ec);
          if (++ready == connections) {
            std::printf("ready\n");
            std::fflush(stdout);
          }
          read(client);
        });
      });
    }
  }

  static void fail(const char* step, beast::error_code ec) {
    std::fprintf(stderr, "%s: %s\n", step, ec.message().c_str());
    std::exit(1);
  }

  void read(const std::shared_ptr<Client>& client) {
    client->ws.async_read(client->buffer, [this, client](beast::error_code ec, std::size_t) {
      if (ec) return;
      const double at = now_ms();
      const std::string text = beast::buffers_to_string(client->buffer.data());
      client->buffer.consume(client->buffer.size());
      const std::size_t mark = text.find("\"text\":\"m ");
      if (mark != std::string::npos) {
        const std::size_t seq_begin = mark + 10;
        const std::size_t space = text.find(' ', seq_begin);
        const std::size_t end = text.find('"', seq_begin);
        if (space != std::string::npos && end != std::string::npos && space < end) {
          const double sent_ms = std::atof(text.substr(space + 1, end - space - 1).c_str()) * 1000;
          const double took = at - sent_ms;
          deliveries.push_back(took);
          const std::string seq = text.substr(seq_begin, space - seq_begin);
          const auto it = first.find(seq);
          if (it == first.end() || took < it->second) first[seq] = took;
        }
      }
      read(client);
    });
  }

  void report() const {
    std::vector<double> firsts;
    for (const auto& [seq, took] : first) firsts.push_back(took);
    std::printf("{\"deliveries\": %zu, \"p50_ms\": %.1f, \"p99_ms\": %.1f, \"max_ms\": %.1f, \"first_p50_ms\": %.1f}\n",
                deliveries.size(), percentile(deliveries, 0.5), percentile(deliveries, 0.99), percentile(deliveries, 1),
                percentile(firsts, 0.5));
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s http|ws PORT TARGET CONNECTIONS SECONDS\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[2])));
  const std::string target = argv[3];
  const auto connections = static_cast<std::size_t>(std::atol(argv[4]));
  const double seconds = std::atof(argv[5]);

  net::io_context ioc(1);
  net::steady_timer stop(ioc, std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
  net::signal_set interrupt(ioc, SIGINT);  // the caller's "that was all": report now
  interrupt.async_wait([&](beast::error_code, int) { ioc.stop(); });
  if (mode == "http") {
    HttpRun run{.ioc = ioc, .server = server, .target = target, .connections = connections};
    run.start();
    stop.async_wait([&](beast::error_code) { ioc.stop(); });
    ioc.run();
    run.report();
  } else if (mode == "ws") {
    WsRun run{.ioc = ioc, .server = server, .target = target, .connections = connections};
    run.start();
    stop.async_wait([&](beast::error_code) { ioc.stop(); });
    ioc.run();
    run.report();
  } else {
    std::fprintf(stderr, "mode must be http or ws\n");
    return 2;
  }
  std::fflush(stdout);
  std::_Exit(0);  // thousands of sockets: the kernel closes them faster than destructors would
}
