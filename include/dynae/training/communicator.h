#pragma once
// Data-parallel training's link between processes (ranks): who they are, how
// they find each other (torchrun's or Slurm's environment, or flags), and the
// few collectives training needs. The rendezvous is torch.distributed's c10d
// TCPStore; the collectives are Gloo's (connect() holds the one choice of
// backend). Torch-free header.
#include <cstdint>
#include <memory>
#include <string>

namespace dynae {

/// Where a process stands in a data-parallel training.
struct DistributedSettings {
  int64_t world_size = 1;  ///< ranks in all; 1: no process group at all
  int64_t rank = 0;        ///< this process, 0 .. world_size - 1
  std::string master_addr = "127.0.0.1";  ///< the host of rank 0 (it serves the TCPStore there)
  int64_t master_port = 29500;
  double timeout_seconds = 60;  ///< a collective or the rendezvous waiting longer than this fails
  /// "gloo": Gloo's pairs and ring allgather called on the training thread
  /// (busy-polling their sockets); "c10d": through c10d::ProcessGroupGloo (its worker thread),
  /// the path a CUDA LibTorch's ProcessGroupNCCL would take; "nccl" is
  /// refused (this build's LibTorch has no CUDA).
  std::string backend = "gloo";
  /// Where the values came from ("flags", "torchrun environment", "Slurm environment", "default").
  std::string source = "default";
};

/// Reads torchrun's convention (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
/// else Slurm's srun tasks (SLURM_PROCID, SLURM_STEP_NUM_TASKS: inside an
/// srun step only, not in the batch script itself; the master is the
/// first host of SLURM_STEP_NODELIST or SLURM_JOB_NODELIST, the port
/// MASTER_PORT or 29500 + SLURM_JOB_ID % 1000), else world size 1. Throws
/// ConfigError naming the variable when one is malformed or out of range.
DistributedSettings distributed_from_environment();
/// The first host of a Slurm node list: "node[07-09,12],gpu3" -> "node07".
std::string first_slurm_host(const std::string& nodelist);
/// Throws ConfigError when the settings cannot describe a process group.
void check_distributed(const DistributedSettings& s);

/// The collectives over every rank of a process group. Every rank must call
/// the same collectives in the same order. A peer that dies, or one that
/// does not answer within the timeout, makes the call throw Error naming the
/// rank and what happened (never a hang).
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int64_t rank() const = 0;
  virtual int64_t size() const = 0;
  /// data[k] = sum over ranks of data[k], added in rank order from zero
  /// (((0 + rank 0's) + rank 1's) + ...): the same bits on every rank, and
  /// those of one process adding the ranks' values in order.
  virtual void allreduce_sum(double* data, int64_t n) = 0;
  /// The same in single precision (a training step's gradients: half the bytes).
  virtual void allreduce_sum(float* data, int64_t n) = 0;
  /// all[r * bytes .. (r + 1) * bytes) = rank r's `mine` (bytes each), on every rank.
  virtual void allgather(const void* mine, void* all, int64_t bytes) = 0;
  /// Rank 0's `bytes` on every rank (others' argument is ignored).
  virtual std::string broadcast(const std::string& bytes) = 0;
  /// What the backend is, for messages: "Gloo over TCP (sums straight between pairs), 2 ranks".
  virtual std::string describe() const = 0;
};

/// Joins the process group (blocks until every rank has joined, at most the
/// timeout). Throws ConfigError for bad settings or a build without Gloo,
/// Error when the rendezvous fails.
std::unique_ptr<Communicator> connect(const DistributedSettings& settings);

/// Every rank says whether `ok`; when one did not, every rank throws Error
/// with `what` and the ranks that failed (a collective: all ranks call it).
void agree(Communicator& comm, bool ok, const std::string& what);

}  // namespace dynae

namespace dynae {

/// How each minibatch is split for data-parallel training: into `shards`
/// contiguous pieces (the world size), each piece's loss weighted by its
/// share of the batch, so the summed gradients are those of the whole
/// batch's loss (for the sliced Wasserstein term: the mean of the pieces'
/// distances). With `comm`, this process computes the piece of its rank and
/// the pieces' gradients are summed by one allreduce; without, this process
/// computes every piece one after another and sums them in rank order: the
/// same numbers as `shards` ranks (the test of the distributed path).
struct DataParallel {
  int64_t shards = 1;
  Communicator* comm = nullptr;
  bool active() const { return shards > 1; }
};

/// ConfigError unless `parallel` can split batches of `batch_size` pairs
/// (at least one shard, at most one pair per shard).
void check_data_parallel(const DataParallel& parallel, int64_t batch_size);

}  // namespace dynae
