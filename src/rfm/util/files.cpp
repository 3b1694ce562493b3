#include "rfm/util/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rfm/util/error.h"

namespace rfm {

std::string describe_errno(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

namespace {

// Writes all of `text` to a new file at `path` and flushes it to the device.
void write_and_sync(const std::string& path, const std::string& text) {
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (file < 0) throw Error("cannot write '" + path + "': " + describe_errno(errno));
  const char* data = text.data();
  std::size_t left = text.size();
  int error = 0;
  while (left > 0) {
    const ssize_t written = ::write(file, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (error == 0 && fsync(file) != 0) error = errno;
  if (close(file) != 0 && error == 0) error = errno;
  if (error != 0) throw Error("cannot write '" + path + "': " + describe_errno(error));
}

// Makes a rename inside the folder of `path` durable.
void sync_folder_of(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  const int handle = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (handle < 0) return;
  fsync(handle);
  close(handle);
}

}  // namespace

void check_output_file(const std::string& path, const std::string& option) {
  namespace fs = std::filesystem;
  if (path.empty()) throw Error(option + " is empty; give a file name");
  std::error_code error;
  if (fs::is_directory(path, error))
    throw Error(option + " '" + path + "' is a folder; give a file name");
  const fs::path parent = fs::path(path).parent_path();
  const std::string folder = parent.empty() ? "." : parent.string();
  if (!fs::is_directory(folder, error))
    throw Error(option + " '" + path + "': folder '" + folder + "' does not exist");
  if (access(folder.c_str(), W_OK) != 0)
    throw Error(option + " '" + path + "': cannot write into folder '" + folder +
                "': " + describe_errno(errno));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error("failed reading '" + path + "'");
  return text.str();
}

AtomicOutput::AtomicOutput(std::string final_path)
    : final_path_(std::move(final_path)), temporary_path_(final_path_ + ".tmp") {}

AtomicOutput::~AtomicOutput() {
  if (!committed_) std::remove(temporary_path_.c_str());
}

void AtomicOutput::write(const std::string& text) const {
  write_and_sync(temporary_path_, text);
}

void AtomicOutput::commit() {
  if (std::rename(temporary_path_.c_str(), final_path_.c_str()) != 0)
    throw Error("cannot rename '" + temporary_path_ + "' to '" + final_path_ +
                "': " + describe_errno(errno));
  committed_ = true;
  sync_folder_of(final_path_);
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicOutput output(path);
  output.write(text);
  output.commit();
}

}  // namespace rfm
