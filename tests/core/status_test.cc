#include "core/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

namespace panorama {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  EXPECT_EQ(Status::InvalidArgument("a").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Status::NotFound("a").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::AlreadyExists("a").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Status::Corruption("a").code(), StatusCode::kCorruption);
  EXPECT_EQ(Status::IOError("a").code(), StatusCode::kIOError);
  EXPECT_EQ(Status::FailedPrecondition("a").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Status::ResourceExhausted("a").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Status::Internal("a").code(), StatusCode::kInternal);
  EXPECT_EQ(Status::Corruption("bad crc").message(), "bad crc");
  EXPECT_FALSE(Status::Internal("a").ok());
}

TEST(StatusTest, ToStringPrefixesTheCodeName) {
  EXPECT_EQ(Status::Corruption("bad crc at 12").ToString(), "Corruption: bad crc at 12");
  EXPECT_EQ(Status::InvalidArgument("x").ToString(), "Invalid argument: x");
  EXPECT_EQ(Status::IOError("x").ToString(), "IO error: x");
}

TEST(StatusTest, EveryCodeHasAName) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "Invalid argument");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "Not found");
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "Already exists");
  EXPECT_EQ(StatusCodeName(StatusCode::kCorruption), "Corruption");
  EXPECT_EQ(StatusCodeName(StatusCode::kIOError), "IO error");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "Failed precondition");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "Resource exhausted");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "Internal");
}

TEST(StatusTest, FromErrnoAppendsTheErrorText) {
  Status status = Status::FromErrno("open /x", ENOENT);
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_EQ(status.message(), "open /x: No such file or directory");
}

TEST(StatusTest, WithContextPrefixesTheMessageAndKeepsTheCode) {
  Status status = Status::NotFound("no such key").WithContext("reading segment 7");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "reading segment 7: no such key");
  EXPECT_EQ(status.WithContext("opening log").message(),
            "opening log: reading segment 7: no such key");
}

TEST(StatusTest, WithContextLeavesOkUnchanged) {
  Status status = Status::Ok().WithContext("ignored");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
}

TEST(ResultTest, HoldsAValue) {
  Result<int> result = 42;
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> result = Status::NotFound("missing");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(), "missing");
}

TEST(ResultTest, ArrowReachesTheValue) {
  Result<std::string> result = std::string("abc");
  EXPECT_EQ(result->size(), 3U);
  result->push_back('d');
  EXPECT_EQ(result.value(), "abcd");
}

TEST(ResultTest, MovesAMoveOnlyValueOut) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 7);
}

Status FailIf(bool fail, std::vector<int>* trace, int step) {
  trace->push_back(step);
  return fail ? Status::Corruption("step " + std::to_string(step)) : Status::Ok();
}

Status RunSteps(int failing_step, std::vector<int>* trace) {
  PANO_RETURN_IF_ERROR(FailIf(failing_step == 1, trace, 1));
  PANO_RETURN_IF_ERROR(FailIf(failing_step == 2, trace, 2));
  PANO_RETURN_IF_ERROR(FailIf(failing_step == 3, trace, 3));
  return Status::Ok();
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  std::vector<int> trace;
  Status status = RunSteps(2, &trace);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.message(), "step 2");
  EXPECT_EQ(trace, (std::vector<int>{1, 2}));
}

TEST(StatusMacrosTest, ReturnIfErrorContinuesOnOk) {
  std::vector<int> trace;
  EXPECT_TRUE(RunSteps(0, &trace).ok());
  EXPECT_EQ(trace, (std::vector<int>{1, 2, 3}));
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument(std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  PANO_ASSIGN_OR_RETURN(int half, Half(x));
  PANO_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusMacrosTest, AssignOrReturnAssignsTheValue) {
  Result<int> result = Quarter(12);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 3);
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesTheError) {
  Result<int> result = Quarter(6);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "3 is odd");
}

Result<std::unique_ptr<int>> MakeBox(int v) {
  if (v < 0) return Status::InvalidArgument("negative");
  return std::make_unique<int>(v);
}

Result<int> Unbox(int v) {
  PANO_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(v));
  return *box + 1;
}

TEST(StatusMacrosTest, AssignOrReturnMovesMoveOnlyValues) {
  EXPECT_EQ(*Unbox(4), 5);
  EXPECT_EQ(Unbox(-1).status().message(), "negative");
}

Status Annotated() { return Status::IOError("disk full").WithContext("appending record 9"); }

Status Outer() {
  PANO_RETURN_IF_ERROR(Annotated().WithContext("flushing"));
  return Status::Ok();
}

TEST(StatusMacrosTest, ReturnIfErrorKeepsContextChains) {
  Status status = Outer();
  EXPECT_EQ(status.ToString(), "IO error: flushing: appending record 9: disk full");
}

}  // namespace
}  // namespace panorama
