// A uniquely named folder under the test framework's temporary directory, removed with its
// contents when the object is destroyed. CTest runs tests as parallel processes and two checkouts
// may run their tests on one machine at once, so no test writes to a fixed path.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace rfm::test {

class ScratchFolder {
 public:
  // `prefix` names the folder's owner, e.g. "rfm_config"; a folder that cannot be made fails the
  // test.
  explicit ScratchFolder(const std::string& prefix) {
    std::string pattern = ::testing::TempDir() + prefix + "_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr)
      ADD_FAILURE() << "cannot create " << pattern;
    else
      path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the folder, as a string for command lines and streams.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace rfm::test
