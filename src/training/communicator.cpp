// The process group of a data-parallel training (dynae/training/communicator.h):
// c10d's TCPStore for the rendezvous and small messages, Gloo for the
// collectives. Sums are every rank's values gathered, then added in rank
// order on each rank (the same bits everywhere, for any number of ranks).
// Two backends over the same store:
//  - "gloo": the values sent straight between Gloo's pairs on the training
//    thread, their sockets busy-polled (15 us per sum of 5771 floats between
//    two processes here); Gloo's ring allgather for the rest;
//  - "c10d": c10d::ProcessGroupGloo, which hands every call to its worker
//    thread and Gloo's event loop (1.7 ms per allreduce here: too slow for
//    one allreduce per step of a small network, but the interface a CUDA
//    LibTorch's ProcessGroupNCCL shares; connect() is the one place to add it).
#include "dynae/training/communicator.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <sstream>

#include "dynae/errors.h"

#ifdef DYNAE_WITH_GLOO
#include <gloo/allgather_ring.h>
#include <gloo/common/error.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/buffer.h>
#include <gloo/transport/pair.h>
#include <gloo/transport/tcp/device.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace dynae {

void agree(Communicator& comm, bool ok, const std::string& what) {
  std::vector<double> failed(static_cast<size_t>(comm.size()), 0.0);
  failed[static_cast<size_t>(comm.rank())] = ok ? 0.0 : 1.0;
  comm.allreduce_sum(failed.data(), comm.size());
  std::string ranks;
  for (size_t r = 0; r < failed.size(); ++r) {
    if (failed[r] != 0.0) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  }
  if (!ranks.empty()) throw Error(what + " (rank" + (ranks.find(',') == std::string::npos ? " " : "s ") + ranks + ")");
}

#ifdef DYNAE_WITH_GLOO
namespace {

std::chrono::milliseconds timeout_of(const DistributedSettings& s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s.timeout_seconds * 1000.0));
}

/// Gloo's rendezvous over a c10d store.
class GlooStoreAdapter : public ::gloo::rendezvous::Store {
 public:
  explicit GlooStoreAdapter(c10::intrusive_ptr<c10d::Store> store) : store_(std::move(store)) {}
  void set(const std::string& key, const std::vector<char>& value) override {
    store_->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  }
  std::vector<char> get(const std::string& key) override {
    const std::vector<uint8_t> v = store_->get(key);
    return std::vector<char>(v.begin(), v.end());
  }
  void wait(const std::vector<std::string>& keys) override { store_->wait(keys); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override {
    store_->wait(keys, timeout);
  }

 private:
  c10::intrusive_ptr<c10d::Store> store_;
};

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

/// The network device Gloo's pairs use: the interface GLOO_SOCKET_IFNAME
/// names, loopback when rank 0 is on this machine's loopback, else the
/// address this host's name resolves to (c10d's choice).
std::shared_ptr<::gloo::transport::Device> gloo_device(const DistributedSettings& s) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (loopback(s.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

/// What every backend shares: the TCPStore (rank 0 serves it).
class StoreCommunicator : public Communicator {
 public:
  explicit StoreCommunicator(const DistributedSettings& s) : settings_(s) {
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(s.master_port);
    o.isServer = s.rank == 0;
    o.numWorkers = static_cast<size_t>(s.world_size);
    o.waitWorkers = true;
    o.timeout = timeout_of(s);
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(s.master_addr, o);
    } catch (const std::exception& e) {
      throw Error(where() + "cannot join the process group at " + s.master_addr + ":" +
                  std::to_string(s.master_port) + " within " + seconds() + ": " + first_line(e.what()) +
                  (s.rank == 0 ? " (is the port free?)" : " (did rank 0 start, on that host and port?)"));
    }
  }
  int64_t rank() const override { return settings_.rank; }
  int64_t size() const override { return settings_.world_size; }

  void allreduce_sum(double* data, int64_t n) override { sum_in_rank_order(data, n); }
  void allreduce_sum(float* data, int64_t n) override { sum_in_rank_order(data, n); }

  std::string broadcast(const std::string& bytes) override {
    const std::string key = "dynae/broadcast/" + std::to_string(broadcasts_++);
    try {
      if (settings_.rank == 0) {
        store_->set(key, std::vector<uint8_t>(bytes.begin(), bytes.end()));
        return bytes;
      }
      const std::vector<uint8_t> v = store_->get(key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception& e) {
      throw Error(where() + "no word from rank 0 within " + seconds() + " (" + first_line(e.what()) +
                  "): it stopped or died; see its own output");
    }
  }

 protected:
  /// Every rank's `bytes` (rank r's at r * bytes) in a buffer the
  /// communicator owns until its next call: what the sums are made from.
  virtual const void* gather_for_sum(const void* mine, int64_t bytes) = 0;

  /// Every rank's values gathered, then added up in rank order from zero:
  /// the same bits on every rank for any number of ranks (a ring allreduce
  /// adds in a different order on each rank from 3 ranks on), and the
  /// bits of one process adding the shards in order. For a step's gradient
  /// (P values) each rank receives (N - 1) P values, as a ring's allgather.
  template <class T>
  void sum_in_rank_order(T* data, int64_t n) {
    if (n <= 0) return;
    const T* all = static_cast<const T*>(gather_for_sum(data, n * static_cast<int64_t>(sizeof(T))));
    const int64_t N = size();
    for (int64_t k = 0; k < n; ++k) {
      T sum = T(0);
      for (int64_t r = 0; r < N; ++r) sum += all[r * n + k];
      data[k] = sum;
    }
  }

  std::string where() const {
    return "data-parallel training, rank " + std::to_string(settings_.rank) + " of " +
           std::to_string(settings_.world_size) + ": ";
  }
  std::string seconds() const {
    std::ostringstream os;
    os << settings_.timeout_seconds << " s (--dist-timeout)";
    return os.str();
  }
  static std::string first_line(const std::string& s) { return s.substr(0, std::min(s.find('\n'), size_t{300})); }
  [[noreturn]] void lost(const std::exception& e) const {
    throw Error(where() + "lost the other ranks during a collective (" + first_line(e.what()) +
                "): a rank died, was stopped, or did not answer within " + seconds() + "; see the other ranks' output");
  }

  DistributedSettings settings_;
  c10::intrusive_ptr<c10d::TCPStore> store_;
  int64_t broadcasts_ = 0;
};

class GlooCommunicator : public StoreCommunicator {
 public:
  explicit GlooCommunicator(const DistributedSettings& s) : StoreCommunicator(s) {
    try {
      GlooStoreAdapter store(c10::make_intrusive<c10d::PrefixStore>("dynae/gloo", store_));
      context_ = std::make_shared<::gloo::rendezvous::Context>(static_cast<int>(s.rank), static_cast<int>(s.world_size));
      context_->setTimeout(timeout_of(s));
      std::shared_ptr<::gloo::transport::Device> device = gloo_device(s);
      context_->connectFullMesh(store, device);
      // Busy-polled sockets on the calling thread: no hand-over between
      // threads per call (the step waits on its peers anyway).
      for (int r = 0; r < s.world_size; ++r) {
        if (r != s.rank) context_->getPair(r)->setSync(true, true);
      }
    } catch (const std::exception& e) {
      throw Error(where() + "cannot connect to the other ranks within " + seconds() + " (" + first_line(e.what()) +
                  "): did every rank start, with the same --world-size, --master-addr and --master-port?");
    }
  }

  void allgather(const void* mine, void* all, int64_t bytes) override {
    if (bytes <= 0) return;
    try {
      // Made per call (a few per epoch): its slots come in the same order on every rank.
      ::gloo::AllgatherRing<char> ring(context_, std::vector<const char*>{static_cast<const char*>(mine)},
                                       static_cast<char*>(all), static_cast<int>(bytes));
      ring.run();
    } catch (const std::exception& e) {
      lost(e);
    }
  }

  std::string describe() const override {
    return "Gloo over TCP (sums straight between pairs), " + std::to_string(settings_.world_size) + " ranks";
  }

 private:
  /// Every rank sends its values straight to every other rank over Gloo's
  /// pairs (one message each way per pair, no acknowledgement): each size
  /// has two sets of buffers, used in turn. A rank writes into a peer's
  /// buffer set b again only two calls later, after receiving that peer's
  /// values of the call in between, which the peer sends only once it has
  /// read set b: so no write lands on values not yet read. Half the round
  /// trips of Gloo's ring algorithms (data, then a notification), with the
  /// same bytes: 15 us instead of 22-26 for the default model's 5771 floats
  /// between two processes here. Values over kChunk bytes go in pieces, each
  /// sent to every peer before any is awaited: a blocking write of a piece
  /// always fits in the sockets' buffers, so two ranks writing to each
  /// other at once never wait on each other (whole messages of megabytes
  /// could).
  static constexpr int64_t kChunk = 32 * 1024;
  const void* gather_for_sum(const void* mine, int64_t bytes) override {
    try {
      const int N = static_cast<int>(settings_.world_size), me = static_cast<int>(settings_.rank);
      Exchange& x = exchanges_[bytes];
      if (x.send[0].empty()) {  // each peer's values land in its slot of `all`; ours go out from our own
        for (int b = 0; b < 2; ++b) {
          x.all[b].resize(static_cast<size_t>((bytes * N + 7) / 8));
          x.send[b].resize(static_cast<size_t>(N));
          x.recv[b].resize(static_cast<size_t>(N));
          const int slot = context_->nextSlot();
          char* all = reinterpret_cast<char*>(x.all[b].data());
          for (int q = 0; q < N; ++q) {
            if (q == me) continue;
            auto& pair = context_->getPair(q);
            x.recv[b][q] = pair->createRecvBuffer(slot, all + q * bytes, static_cast<size_t>(bytes));
            x.send[b][q] = pair->createSendBuffer(slot, all + me * bytes, static_cast<size_t>(bytes));
          }
        }
      }
      const int b = x.next;
      x.next ^= 1;
      std::memcpy(reinterpret_cast<char*>(x.all[b].data()) + me * bytes, mine, static_cast<size_t>(bytes));
      for (int64_t at = 0; at < bytes; at += kChunk) {
        const size_t offset = static_cast<size_t>(at), length = static_cast<size_t>(std::min(kChunk, bytes - at));
        for (int q = 0; q < N; ++q) {
          if (q != me) x.send[b][q]->send(offset, length, offset);
        }
        for (int q = 0; q < N; ++q) {
          if (q != me) x.recv[b][q]->waitRecv();
        }
        for (int q = 0; q < N; ++q) {
          if (q != me) x.send[b][q]->waitSend();
        }
      }
      return x.all[b].data();
    } catch (const std::exception& e) {
      lost(e);
    }
  }

  std::shared_ptr<::gloo::rendezvous::Context> context_;
  // Gloo's buffers are bound to a slot of each pair when they are made: the
  // sums' buffers are kept, per size. Every rank makes them in the same order
  // (the same sizes are asked for in the same order), so the slots match;
  // keying by the caller's pointer would not (allocations differ between
  // processes, and a freed buffer's address comes back).
  struct Exchange {
    std::vector<double> all[2];  // every rank's bytes, aligned for any value type
    std::vector<std::unique_ptr<::gloo::transport::Buffer>> send[2], recv[2];  // per peer
    int next = 0;
  };
  std::map<int64_t, Exchange> exchanges_;
};

class ProcessGroupCommunicator : public StoreCommunicator {
 public:
  explicit ProcessGroupCommunicator(const DistributedSettings& s) : StoreCommunicator(s) {
    try {
      auto options = c10d::ProcessGroupGloo::Options::create();
      options->timeout = timeout_of(s);
      options->devices.push_back(gloo_device(s));
      options->threads = 1;
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("dynae/c10d", store_),
                                                           static_cast<int>(s.rank), static_cast<int>(s.world_size),
                                                           options);
    } catch (const std::exception& e) {
      throw Error(where() + "cannot create the c10d process group: " + first_line(e.what()));
    }
  }

  void allgather(const void* mine, void* all, int64_t bytes) override {
    if (bytes <= 0) return;
    try {
      std::vector<at::Tensor> in{torch::from_blob(const_cast<void*>(mine), {bytes}, torch::kUInt8)};
      std::vector<std::vector<at::Tensor>> out(1);
      for (int64_t r = 0; r < size(); ++r) {
        out[0].push_back(torch::from_blob(static_cast<char*>(all) + r * bytes, {bytes}, torch::kUInt8));
      }
      group_->allgather(out, in)->wait(timeout_of(settings_));
    } catch (const std::exception& e) {
      lost(e);
    }
  }

  std::string describe() const override {
    return "c10d ProcessGroupGloo, " + std::to_string(settings_.world_size) + " ranks";
  }

 private:
  const void* gather_for_sum(const void* mine, int64_t bytes) override {
    gathered_.resize(static_cast<size_t>((bytes * settings_.world_size + 7) / 8));
    allgather(mine, gathered_.data(), bytes);
    return gathered_.data();
  }

  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
  std::vector<double> gathered_;
};

}  // namespace
#endif

std::unique_ptr<Communicator> connect(const DistributedSettings& settings) {
  check_distributed(settings);
  if (settings.backend == "nccl") {
    throw ConfigError("--dist-backend nccl needs a CUDA build of LibTorch (c10d::ProcessGroupNCCL); this build is "
                      "CPU-only: use gloo");
  }
#ifdef DYNAE_WITH_GLOO
  if (settings.backend == "c10d") return std::make_unique<ProcessGroupCommunicator>(settings);
  return std::make_unique<GlooCommunicator>(settings);
#else
  throw ConfigError("this dynae was built without Gloo's headers (Debian: libgloo-dev), so it cannot join a process "
                    "group; rebuild with them, or train with world size 1");
#endif
}

}  // namespace dynae
