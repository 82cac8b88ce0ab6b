#include <gtest/gtest.h>

#include "lanceflow/core/buffer.h"
#include "lanceflow/core/log.h"
#include "lanceflow/core/result.h"

namespace lanceflow {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Status::Invalid("not positive: " + std::to_string(v));
  return v;
}

Result<int> Doubled(int v) {
  LF_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::OK().ok());
  Status s = Status::Corrupt("bad footer");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorrupt);
  EXPECT_EQ(s.ToString(), "Corrupt: bad footer");
  EXPECT_EQ(s.WithContext("file 'a.lance'").message(), "file 'a.lance': bad footer");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Doubled(4), 8);
  auto r = Doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "not positive: -1");
}

TEST(BufferTest, BuilderAlignsAndZeroPads) {
  BufferBuilder b;
  b.AppendValue<int32_t>(7);
  b.AppendValue<int32_t>(9);
  auto buf = b.Finish();
  EXPECT_EQ(buf->size(), 8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf->data()) % 64, 0u);
  EXPECT_EQ(buf->data_as<int32_t>()[1], 9);
  // Padding up to 64 bytes is zero.
  for (int i = 8; i < 64; ++i) EXPECT_EQ(buf->data()[i], 0);
  auto slice = buf->Slice(4, 4);
  EXPECT_EQ(*slice->data_as<int32_t>(), 9);
  EXPECT_EQ(slice->owner(), buf->owner());
}

TEST(BufferTest, FromStringKeepsBytes) {
  auto buf = Buffer::FromString(std::string("hello"));
  EXPECT_EQ(buf->view(), "hello");
}

TEST(RedactTest, ReplacesRegisteredSecrets) {
  RegisterSecret("sk-secret-key-123");
  RegisterSecret("ab");  // too short: ignored
  EXPECT_EQ(Redact("key=sk-secret-key-123, again sk-secret-key-123"), "key=***, again ***");
  EXPECT_EQ(Redact("ab cd"), "ab cd");
}

TEST(RedactTest, RedactedLineFoldsLineBreaks) {
  RegisterSecret("sk-line-secret-456");
  EXPECT_EQ(RedactedLine("first\nsecond\r\nkey sk-line-secret-456"), "first second  key ***");
  EXPECT_EQ(RedactedLine(""), "");
}

}  // namespace
}  // namespace lanceflow
