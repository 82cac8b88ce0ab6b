// A fixed-size pool of worker threads running submitted tasks in FIFO order.
// Submit returns a std::future; exceptions are not used by project code, so tasks report
// failure through their return value (usually a Status or Result).
// Thread safety: Submit may be called from any thread, including from inside a task (but a
// task must not block waiting on a task queued behind it when the pool has one thread).
// Destruction finishes the queued tasks, then joins the workers.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace lanceflow {

class ThreadPool {
 public:
  // `threads` <= 0 means one per hardware thread (at least 1).
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()); }

  template <typename F>
  auto Submit(F&& fn) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(fn));
    std::future<R> result = task->get_future();
    Enqueue([task] { (*task)(); });
    return result;
  }

  // The process-wide pool used by scans (created on first use).
  static ThreadPool& Default();

 private:
  void Enqueue(std::function<void()> fn);
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace lanceflow
