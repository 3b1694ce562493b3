// The checkpoint file of a run folder (docs/design.md): the magic "RFMCKP02", length-prefixed
// blobs and fixed-size numbers, the end marker "RFMEND02", then a 64-bit FNV-1a checksum of every
// byte before it. A reader checks the whole frame before it reads a field, so a truncated, damaged
// or foreign file is refused with one line naming it. Format 01 (before the checksum) is
// recognised only to say so.
#pragma once

#include <ATen/core/Generator.h>

#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <string>

namespace rfm::rl {

// Where a run folder keeps its checkpoint, relative to the folder.
inline constexpr const char* kCheckpointFile = "checkpoint/state.bin";

class CheckpointWriter {
 public:
  CheckpointWriter();  // the file starts with the magic
  template <class T>
  void put(const T& value) {
    data_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void put_blob(const std::string& blob);
  // The whole file: what was put, the end marker and the checksum.
  std::string finish();

 private:
  std::string data_;
};

class CheckpointReader {
 public:
  // Checks the frame (magic, end marker, checksum) of `data`, the contents of the file `where`;
  // throws rfm::Error with one line saying what is wrong.
  CheckpointReader(std::string data, std::string where);
  template <class T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, data_.data() + offset_, sizeof value);
    offset_ += sizeof value;
    return value;
  }
  std::string get_blob();
  const std::string& where() const { return where_; }

 private:
  void need(std::uint64_t bytes) const;
  std::string data_, where_;
  std::size_t offset_ = 8;  // after the magic
};

// The fields that open a checkpoint's header (its first blob), which say whose state it is.
struct CheckpointIdentity {
  std::string algorithm, task;
  std::uint64_t seed = 0;
  int observation_size = 0, action_size = 0;
  std::int64_t step = -1;  // the environment step it was written at
};
void write_checkpoint_identity(std::ostream& header, const CheckpointIdentity& identity);
// Reads them from the header; throws rfm::Error naming `where` when they are malformed.
CheckpointIdentity read_checkpoint_identity(std::istream& header, const std::string& where);

// A LibTorch generator's state as bytes, and back (rfm::Error for bytes that are not one).
std::string generator_bytes(at::Generator generator);
void restore_generator(at::Generator& generator, const std::string& bytes);

}  // namespace rfm::rl
