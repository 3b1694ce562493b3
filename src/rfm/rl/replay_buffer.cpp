#include "rfm/rl/replay_buffer.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <istream>
#include <ostream>
#include <string>
#include <utility>

#include "rfm/util/error.h"

namespace rfm::rl {

namespace {
constexpr char kMagic[8] = {'R', 'F', 'M', 'R', 'B', '0', '0', '1'};

void write_tensor(std::ostream& out, const torch::Tensor& tensor, std::int64_t rows) {
  const auto bytes = rows * tensor.stride(0) * static_cast<std::int64_t>(tensor.element_size());
  out.write(static_cast<const char*>(tensor.data_ptr()), bytes);
}
void read_tensor(std::istream& in, torch::Tensor& tensor, std::int64_t rows) {
  const auto bytes = rows * tensor.stride(0) * static_cast<std::int64_t>(tensor.element_size());
  in.read(static_cast<char*>(tensor.data_ptr()), bytes);
  if (in.gcount() != bytes) throw Error("replay buffer checkpoint is truncated");
}
template <class T>
void write_value(std::ostream& out, T value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}
template <class T>
T read_value(std::istream& in) {
  T value{};
  in.read(reinterpret_cast<char*>(&value), sizeof value);
  if (in.gcount() != static_cast<std::streamsize>(sizeof value))
    throw Error("replay buffer checkpoint is truncated");
  return value;
}

double gibibytes(double bytes) {
  return bytes / (1024.0 * 1024.0 * 1024.0);
}

// Refuses a buffer that would not fit in this machine's memory, before allocating it.
void check_fits_in_memory(std::int64_t capacity, int observation_size, int action_size) {
  const double row_bytes = sizeof(float) * (2.0 * observation_size + action_size + 3.0);
  const double bytes = row_bytes * static_cast<double>(capacity);
  const double memory =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  if (memory > 0 && bytes > 0.9 * memory) {
    char message[256];
    std::snprintf(message, sizeof message,
                  "trainer.replay_size = %lld transitions of this task need %.1f GiB, more than "
                  "90%% of this machine's %.1f GiB of memory",
                  static_cast<long long>(capacity), gibibytes(bytes), gibibytes(memory));
    throw Error(message);
  }
}
}  // namespace

ReplayBuffer::ReplayBuffer(std::int64_t capacity, int observation_size, int action_size)
    : capacity_(capacity), observation_size_(observation_size), action_size_(action_size) {
  if (capacity < 1) throw Error("replay buffer capacity must be at least 1");
  check_fits_in_memory(capacity, observation_size, action_size);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  observations_ = torch::zeros({capacity, observation_size}, f32);
  actions_ = torch::zeros({capacity, action_size}, f32);
  rewards_ = torch::zeros({capacity}, f32);
  next_observations_ = torch::zeros({capacity, observation_size}, f32);
  terminal_ = torch::zeros({capacity}, f32);
  truncated_ = torch::zeros({capacity}, f32);
}

void ReplayBuffer::add(const float* observation, const float* action, float reward,
                       const float* next_observation, bool terminal, bool truncated) {
  const std::int64_t row = next_;
  std::memcpy(observations_.data_ptr<float>() + row * observation_size_, observation,
              sizeof(float) * observation_size_);
  std::memcpy(actions_.data_ptr<float>() + row * action_size_, action,
              sizeof(float) * action_size_);
  std::memcpy(next_observations_.data_ptr<float>() + row * observation_size_, next_observation,
              sizeof(float) * observation_size_);
  rewards_.data_ptr<float>()[row] = reward;
  terminal_.data_ptr<float>()[row] = terminal ? 1.0f : 0.0f;
  truncated_.data_ptr<float>()[row] = truncated ? 1.0f : 0.0f;
  next_ = (next_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
}

void ReplayBuffer::sample(std::int64_t batch_size, Rng& rng, TransitionBatch& batch) {
  if (size_ == 0) throw Error("cannot sample from an empty replay buffer");
  if (!indices_.defined() || indices_.size(0) != batch_size)
    indices_ = torch::empty({batch_size}, torch::kInt64);
  if (!batch.observations.defined() || batch.observations.size(0) != batch_size) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    batch.observations = torch::empty({batch_size, observation_size_}, f32);
    batch.actions = torch::empty({batch_size, action_size_}, f32);
    batch.rewards = torch::empty({batch_size}, f32);
    batch.next_observations = torch::empty({batch_size, observation_size_}, f32);
    batch.terminals = torch::empty({batch_size}, f32);
  }
  auto* index = indices_.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < batch_size; ++i)
    index[i] = static_cast<std::int64_t>(rng.next_u64() % static_cast<std::uint64_t>(size_));
  at::index_select_out(batch.observations, observations_, 0, indices_);
  at::index_select_out(batch.actions, actions_, 0, indices_);
  at::index_select_out(batch.rewards, rewards_, 0, indices_);
  at::index_select_out(batch.next_observations, next_observations_, 0, indices_);
  at::index_select_out(batch.terminals, terminal_, 0, indices_);
}

const TransitionBatch& copy_to_device(const TransitionBatch& batch, c10::Device device,
                                      TransitionBatch& device_batch) {
  if (device.is_cpu()) return batch;
  const std::pair<const torch::Tensor*, torch::Tensor*> fields[] = {
      {&batch.observations, &device_batch.observations},
      {&batch.actions, &device_batch.actions},
      {&batch.rewards, &device_batch.rewards},
      {&batch.next_observations, &device_batch.next_observations},
      {&batch.terminals, &device_batch.terminals}};
  for (const auto& [host, on_device] : fields) {
    if (!on_device->defined() || on_device->sizes() != host->sizes())
      *on_device = torch::empty(host->sizes(), host->options().device(device));
    on_device->copy_(*host);
  }
  return device_batch;
}

void ReplayBuffer::save(std::ostream& out) const {
  out.write(kMagic, sizeof kMagic);
  write_value<std::int64_t>(out, capacity_);
  write_value<std::int32_t>(out, observation_size_);
  write_value<std::int32_t>(out, action_size_);
  write_value<std::int64_t>(out, size_);
  write_value<std::int64_t>(out, next_);
  for (const auto* tensor :
       {&observations_, &actions_, &rewards_, &next_observations_, &terminal_, &truncated_})
    write_tensor(out, *tensor, size_);
}

void ReplayBuffer::load(std::istream& in) {
  char magic[sizeof kMagic];
  in.read(magic, sizeof magic);
  if (in.gcount() != sizeof magic || std::memcmp(magic, kMagic, sizeof magic) != 0)
    throw Error("not a replay buffer checkpoint (bad header)");
  const auto capacity = read_value<std::int64_t>(in);
  const auto observation_size = read_value<std::int32_t>(in);
  const auto action_size = read_value<std::int32_t>(in);
  if (capacity != capacity_ || observation_size != observation_size_ || action_size != action_size_)
    throw Error("replay buffer checkpoint has capacity " + std::to_string(capacity) +
                ", observation size " + std::to_string(observation_size) + ", action size " +
                std::to_string(action_size) + "; this run expects " + std::to_string(capacity_) +
                ", " + std::to_string(observation_size_) + ", " + std::to_string(action_size_));
  const auto size = read_value<std::int64_t>(in);
  const auto next = read_value<std::int64_t>(in);
  if (size < 0 || size > capacity || next < 0 || next >= capacity)
    throw Error("replay buffer checkpoint is corrupt (bad counters)");
  // Read into fresh tensors so that a failure leaves this buffer as it was.
  ReplayBuffer loaded(capacity_, observation_size_, action_size_);
  for (auto* tensor : {&loaded.observations_, &loaded.actions_, &loaded.rewards_,
                       &loaded.next_observations_, &loaded.terminal_, &loaded.truncated_})
    read_tensor(in, *tensor, size);
  loaded.size_ = size;
  loaded.next_ = next;
  *this = std::move(loaded);
}

}  // namespace rfm::rl
