#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "api/view_routes.hpp"
#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
using tidecast::test::TempDir;
using namespace std::chrono_literals;

TEST_CASE("counted views reach the catalog in one flush, each viewer once") {
  TempDir dir;
  catalog::Catalog catalog((dir.path() / "t.db").string());
  catalog::NewVideo fresh;
  fresh.title = "v";
  const auto video = catalog.videos().create(fresh);
  boost::asio::io_context ioc;
  core::Logger log(core::LogLevel::error);
  api::ViewRecorderOptions options;
  options.flush_every = 10ms;
  api::ViewRecorder recorder(ioc, catalog.videos(), log, options);
  CHECK(recorder.record(video.id, "10.0.0.1"));
  CHECK_FALSE(recorder.record(video.id, "10.0.0.1"));
  CHECK(recorder.record(video.id, "10.0.0.2"));
  CHECK(catalog.videos().find(video.id)->views == 0);  // nothing written per request
  recorder.start();
  ioc.run_for(100ms);  // the timer flushes
  CHECK(catalog.videos().find(video.id)->views == 2);
  CHECK(recorder.record(video.id, "10.0.0.3"));
  recorder.stop();  // writes what is pending
  CHECK(catalog.videos().find(video.id)->views == 3);
}
