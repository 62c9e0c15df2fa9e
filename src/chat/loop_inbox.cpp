#include "chat/loop_inbox.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace tidecast::chat {

void LoopInbox::add(std::shared_ptr<LoopMember> member, Frame frame) {
  {
    std::lock_guard lock(mutex_);
    pending_.emplace_back(std::move(member), std::move(frame));
    if (posted_) return;
    posted_ = true;
  }
  boost::asio::post(loop_, [self = shared_from_this()] { self->drain(); });
}

void LoopInbox::drain() {
  std::vector<std::pair<std::shared_ptr<LoopMember>, Frame>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
    posted_ = false;
  }
  for (auto& [member, frame] : batch) member->take_on_loop(std::move(frame));
}

std::shared_ptr<LoopInbox> LoopInboxes::for_loop(const boost::asio::any_io_executor& loop) {
  const void* key = &boost::asio::query(loop, boost::asio::execution::context);
  std::lock_guard lock(mutex_);
  auto& inbox = inboxes_[key];
  if (!inbox) inbox = std::make_shared<LoopInbox>(loop);
  return inbox;
}

}  // namespace tidecast::chat
