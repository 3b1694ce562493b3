#include "rfm/util/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "rfm/util/error.h"

namespace rfm {

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
  std::ofstream out(temporary_path_, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw Error("cannot write '" + temporary_path_ + "'");
}

void AtomicOutput::commit() {
  if (std::rename(temporary_path_.c_str(), final_path_.c_str()) != 0)
    throw Error("cannot rename '" + temporary_path_ + "' to '" + final_path_ +
                "': " + std::strerror(errno));
  committed_ = true;
}

}  // namespace rfm
