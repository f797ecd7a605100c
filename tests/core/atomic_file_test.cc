#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.h"

namespace panorama {
namespace {

using panorama::testing::MakeTempDir;
using panorama::testing::ReadFile;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFileTest, CreatesThenReplacesLeavingNoTemporaryFile) {
  const std::string dir = MakeTempDir("atomic-file");
  const std::string path = dir + "/model.json";
  ASSERT_TRUE(WriteFileAtomically(path, "first version, longer than the second").ok());
  EXPECT_EQ(ReadFile(path), "first version, longer than the second");
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(ReadFile(path), "second");  // replaced, not overwritten in place
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  EXPECT_EQ(ReadFile(path), "");
  EXPECT_EQ(Names(dir), std::vector<std::string>{"model.json"});
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, WritesLargeAndBinaryContent) {
  const std::string dir = MakeTempDir("atomic-file");
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  ASSERT_TRUE(WriteFileAtomically(dir + "/blob", data).ok());
  EXPECT_EQ(ReadFile(dir + "/blob"), data);
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, AMissingDirectoryIsAnErrorNamingThePath) {
  const std::string dir = MakeTempDir("atomic-file");
  const Status status = WriteFileAtomically(dir + "/absent/file", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find(dir + "/absent/file.tmp."), std::string::npos)
      << status.ToString();
  EXPECT_TRUE(Names(dir).empty());
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, AFailedRenameKeepsTheOldContentAndRemovesTheTemporary) {
  const std::string dir = MakeTempDir("atomic-file");
  // A directory in the way: rename(2) of a file over a non-empty directory fails.
  std::filesystem::create_directories(dir + "/target/inside");
  const Status status = WriteFileAtomically(dir + "/target", "new");
  ASSERT_FALSE(status.ok());
  const std::string message = status.ToString();
  EXPECT_NE(message.find("renaming"), std::string::npos) << message;
  // The temporary's name is one AtomicWriteTarget knows, so a directory's owner can clear
  // what a write cut by a crash leaves.
  const size_t at = message.find("target.tmp.");
  ASSERT_NE(at, std::string::npos) << message;
  EXPECT_EQ(AtomicWriteTarget(message.substr(at, message.find(' ', at) - at)), "target") << message;
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/target/inside"));
  EXPECT_EQ(Names(dir), std::vector<std::string>{"target"});
  std::filesystem::remove_all(dir);
}

TEST(AtomicFileTest, AtomicWriteTargetNamesWhatATemporaryWasFor) {
  EXPECT_EQ(AtomicWriteTarget("00000000000000000007.idx.tmp.4242.0"), "00000000000000000007.idx");
  EXPECT_EQ(AtomicWriteTarget("model.json.tmp.1.17"), "model.json");
  EXPECT_EQ(AtomicWriteTarget("a.tmp.b.tmp.9.9"), "a.tmp.b");
  for (const char* other :
       {"model.json", "0007.idx.tmp", "0007.idx.tmp.", "0007.idx.tmp.12", "0007.idx.tmp.12.",
        "0007.idx.tmp.x.1", "0007.idx.tmp.1.x", ".tmp.1.2", "tmp.1.2", "0007.idx.temp.1.2", ""}) {
    EXPECT_EQ(AtomicWriteTarget(other), "") << other;
  }
}

}  // namespace
}  // namespace panorama
