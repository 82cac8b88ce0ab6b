#include "lanceflow/core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

namespace lanceflow {
namespace {

TEST(ThreadPool, RunsEveryTaskAndReturnsResults) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3);
  std::vector<std::future<int>> futures;
  for (int i = 0; i < 200; ++i) futures.push_back(pool.Submit([i] { return i * i; }));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(futures[static_cast<size_t>(i)].get(), i * i);
}

TEST(ThreadPool, UsesSeveralThreads) {
  ThreadPool pool(2);
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> arrived{0};
  std::vector<std::future<void>> futures;
  for (int i = 0; i < 2; ++i) {
    futures.push_back(pool.Submit([&] {
      {
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(std::this_thread::get_id());
      }
      ++arrived;
      // Both tasks must be running at once for both to pass this point.
      while (arrived.load() < 2) std::this_thread::yield();
    }));
  }
  for (auto& f : futures) f.get();
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ThreadPool, DestructorDrainsQueue) {
  std::atomic<int> done{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 50; ++i) pool.Submit([&] { ++done; });
  }
  EXPECT_EQ(done.load(), 50);
}

}  // namespace
}  // namespace lanceflow
