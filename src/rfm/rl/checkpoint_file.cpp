#include "rfm/rl/checkpoint_file.h"

#include <c10/util/Exception.h>
#include <torch/types.h>

#include <istream>
#include <mutex>
#include <ostream>
#include <utility>

#include "rfm/util/error.h"

namespace rfm::rl {

namespace {

constexpr char kMagic[8] = {'R', 'F', 'M', 'C', 'K', 'P', '0', '2'};
constexpr char kMagicWithoutChecksum[8] = {'R', 'F', 'M', 'C', 'K', 'P', '0', '1'};
constexpr char kEnd[8] = {'R', 'F', 'M', 'E', 'N', 'D', '0', '2'};
constexpr std::size_t kTrailer = 16;  // the end marker and the checksum

// 64-bit FNV-1a: any one changed byte changes it (each step is a bijection of the state).
std::uint64_t checksum_of(const char* data, std::size_t size) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

CheckpointWriter::CheckpointWriter() : data_(kMagic, 8) {}

void CheckpointWriter::put_blob(const std::string& blob) {
  put<std::uint64_t>(blob.size());
  data_ += blob;
}

std::string CheckpointWriter::finish() {
  data_.append(kEnd, 8);
  put<std::uint64_t>(checksum_of(data_.data(), data_.size()));
  return std::move(data_);
}

CheckpointReader::CheckpointReader(std::string data, std::string where)
    : data_(std::move(data)), where_(std::move(where)) {
  // Cheapest check first, each refusal one line naming the file and what is wrong with it.
  if (data_.size() >= 8 && data_.compare(0, 8, kMagicWithoutChecksum, 8) == 0)
    throw Error("checkpoint '" + where_ +
                "' was written by an older rfm (format 01, without a checksum); continue that run "
                "with the rfm build that started it");
  if (data_.size() < 8 + kTrailer || data_.compare(0, 8, kMagic, 8) != 0)
    throw Error("'" + where_ + "' is not an rfm checkpoint");
  const std::size_t end = data_.size() - kTrailer;
  std::uint64_t stored = 0;
  std::memcpy(&stored, data_.data() + end + 8, sizeof stored);
  if (data_.compare(end, 8, kEnd, 8) != 0)
    throw Error("checkpoint '" + where_ + "' is truncated or damaged (no end marker)");
  if (checksum_of(data_.data(), end + 8) != stored)
    throw Error("checkpoint '" + where_ +
                "' is damaged (its checksum does not match its contents)");
}

std::string CheckpointReader::get_blob() {
  const auto size = get<std::uint64_t>();
  need(size);
  std::string blob = data_.substr(offset_, size);
  offset_ += size;
  return blob;
}

void CheckpointReader::need(std::uint64_t bytes) const {
  if (offset_ + bytes > data_.size()) throw Error("checkpoint '" + where_ + "' is truncated");
}

void write_checkpoint_identity(std::ostream& header, const CheckpointIdentity& identity) {
  header << identity.algorithm << ' ' << identity.task << ' ' << identity.seed << ' '
         << identity.observation_size << ' ' << identity.action_size << ' ' << identity.step;
}

CheckpointIdentity read_checkpoint_identity(std::istream& header, const std::string& where) {
  CheckpointIdentity identity;
  header >> identity.algorithm >> identity.task >> identity.seed >> identity.observation_size >>
      identity.action_size >> identity.step;
  if (!header || identity.step < 0)
    throw Error("checkpoint '" + where + "' has a malformed header");
  return identity;
}

std::string generator_bytes(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  const torch::Tensor state = generator.get_state().contiguous();
  return std::string(static_cast<const char*>(state.data_ptr()), state.numel());
}

void restore_generator(at::Generator& generator, const std::string& bytes) {
  torch::Tensor state = torch::empty({static_cast<std::int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(state.data_ptr(), bytes.data(), bytes.size());
  std::lock_guard<std::mutex> lock(generator.mutex());
  try {
    generator.set_state(state);
  } catch (const c10::Error&) {
    throw Error("checkpoint holds an invalid random-generator state");
  }
}

}  // namespace rfm::rl
