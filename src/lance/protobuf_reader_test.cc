#include "protobuf_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace lanceflow::lance {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

TEST(ProtoReader, VarintsFixedAndBytes) {
  // 1: varint 300, 2: fixed32 7, 3: fixed64 9, 4: "hi", 5: int32 -1 (10-byte varint).
  std::string msg = Bytes({0x08, 0xac, 0x02, 0x15, 7, 0, 0, 0, 0x19, 9, 0, 0, 0, 0, 0, 0, 0,
                           0x22, 2, 'h', 'i', 0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                           0xff, 0xff, 0x01});
  ProtoReader r(msg, "test");
  uint32_t f;
  WireType t;
  ASSERT_TRUE(r.NextField(&f, &t).ok());
  EXPECT_EQ(f, 1u);
  EXPECT_EQ(*r.ReadUInt64(t), 300u);
  ASSERT_TRUE(r.NextField(&f, &t).ok());
  EXPECT_EQ(*r.ReadFixed32(t), 7u);
  ASSERT_TRUE(r.NextField(&f, &t).ok());
  EXPECT_EQ(*r.ReadFixed64(t), 9u);
  ASSERT_TRUE(r.NextField(&f, &t).ok());
  EXPECT_EQ(*r.ReadBytes(t), "hi");
  ASSERT_TRUE(r.NextField(&f, &t).ok());
  EXPECT_EQ(*r.ReadInt32(t), -1);
  EXPECT_TRUE(r.done());
}

TEST(ProtoReader, ZigZag) {
  EXPECT_EQ(ZigZagDecode64(0), 0);
  EXPECT_EQ(ZigZagDecode64(1), -1);
  EXPECT_EQ(ZigZagDecode64(4), 2);
  EXPECT_EQ(ZigZagDecode64(UINT64_MAX), INT64_MIN);
  EXPECT_EQ(ZigZagDecode32(3), -2);
}

TEST(ProtoReader, PackedAndUnpackedRepeated) {
  std::string msg = Bytes({0x0a, 3, 1, 0x96, 0x01, 0x08, 5});
  ProtoReader r(msg, "test");
  std::vector<uint64_t> out;
  uint32_t f;
  WireType t;
  while (!r.done()) {
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    ASSERT_TRUE(r.ReadRepeatedUInt64(t, &out).ok());
  }
  EXPECT_EQ(out, (std::vector<uint64_t>{1, 150, 5}));
}

TEST(ProtoReader, SkipsUnknownFields) {
  std::string msg = Bytes({0x08, 1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a, 1, 'x', 0x25, 0, 0, 0, 0});
  ProtoReader r(msg, "test");
  uint32_t f;
  WireType t;
  int n = 0;
  while (!r.done()) {
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    ASSERT_TRUE(r.Skip(t).ok());
    ++n;
  }
  EXPECT_EQ(n, 4);
}

TEST(ProtoReader, Errors) {
  uint32_t f;
  WireType t;
  {
    const std::string bytes = Bytes({0x08, 0x80});
    ProtoReader r(bytes, "m");
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    Status st = r.ReadUInt64(t).status();
    EXPECT_EQ(st.code(), StatusCode::kCorrupt);
    EXPECT_NE(st.message().find("m: byte 2 (field 1): varint runs past"), std::string::npos)
        << st.ToString();
  }
  {
    const std::string bytes = Bytes({0x0a, 5, 'a'});
    ProtoReader r(bytes, "m");
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    EXPECT_NE(r.ReadBytes(t).status().message().find("length 5 exceeds"), std::string::npos);
  }
  {
    const std::string bytes = Bytes({0x08, 1});
    ProtoReader r(bytes, "m");
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    EXPECT_NE(r.ReadBytes(t).status().message().find("wire type varint, expected"),
              std::string::npos);
  }
  {
    const std::string bytes = Bytes({0x0b});
    ProtoReader r(bytes, "m");  // group
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    EXPECT_FALSE(r.Skip(t).ok());
  }
  {
    const std::string bytes = Bytes({0x00});
    ProtoReader r(bytes, "m");
    EXPECT_NE(r.NextField(&f, &t).message().find("invalid field number 0"), std::string::npos);
  }
  {
    const std::string bytes = Bytes({0x0e});
    ProtoReader r(bytes, "m");
    EXPECT_NE(r.NextField(&f, &t).message().find("invalid wire type 6"), std::string::npos);
  }
  {
    const std::string bytes = Bytes({0x08, 0x80, 0x80, 0x80, 0x80, 0x10});
    ProtoReader r(bytes, "m");  // 2^32
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    EXPECT_NE(r.ReadUInt32(t).status().message().find("does not fit uint32"), std::string::npos);
  }
  {
    const std::string bytes = Bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02});
    ProtoReader r(bytes, "m");
    ASSERT_TRUE(r.NextField(&f, &t).ok());
    EXPECT_NE(r.ReadUInt64(t).status().message().find("longer than 64 bits"), std::string::npos);
  }
}

TEST(ProtoReader, DepthLimit) {
  // kMaxProtoDepth + 1 nested length-delimited fields 1.
  std::string msg;
  for (int i = 0; i <= kMaxProtoDepth; ++i) msg = Bytes({0x0a, static_cast<int>(msg.size())}) + msg;
  ProtoReader r(msg, "m");
  Status st;
  ProtoReader cur = r;
  for (int i = 0; i <= kMaxProtoDepth; ++i) {
    uint32_t f;
    WireType t;
    ASSERT_TRUE(cur.NextField(&f, &t).ok());
    auto next = cur.ReadMessage(t, "m");
    if (!next.ok()) {
      st = next.status();
      break;
    }
    cur = *next;
  }
  EXPECT_NE(st.message().find("nested too deeply"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace lanceflow::lance
