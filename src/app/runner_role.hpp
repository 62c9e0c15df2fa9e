#pragma once
// The `convert` role of a cluster: conversion runners (vod::RemoteJobRunner)
// that claim jobs from the shared catalog and talk to storage nodes over the
// internal API (cluster::BlockingClient, signed with the cluster secret).
// Runs inside a node with the role, or alone as `tidecast runner`.
#include <memory>
#include <string>

#include "cluster/blocking_client.hpp"
#include "cluster/cluster_auth.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "tidecast/config.hpp"
#include "vod/ladder_converter.hpp"
#include "vod/remote_job_runner.hpp"

namespace tidecast::app {

class RunnerRole {
 public:
  RunnerRole(const Config& config, std::string secret, core::Logger& log, core::Metrics& metrics);
  ~RunnerRole();

  void start();
  void stop();

 private:
  class Storage;
  cluster::ClusterAuth auth_;
  std::unique_ptr<cluster::BlockingClient> client_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<vod::LadderConverter> converter_;
  std::unique_ptr<vod::RemoteJobRunner> runner_;
};

// `tidecast runner`: only the runners (no HTTP, RTMP or storage), until
// SIGINT/SIGTERM. Needs cluster.enabled; returns the exit status.
int runner_command(const Config& config);

}  // namespace tidecast::app
