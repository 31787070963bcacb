// The HTTP request reader of `serve --http`: a request arrives in pieces and is complete
// only with its whole body; anything malformed or oversized is an error with its status.
#include <gtest/gtest.h>

#include "serve/http_files.h"
#include "serve/http_request.h"

using namespace hookwarden::serve;

namespace {

http::Parsed small(const std::string& text, http::Request& out) { return http::parse(text, out, 1024); }

}  // namespace

TEST(HttpRequest, CompleteOnlyWithTheWholeBody) {
    const std::string text = "POST /hook/guard HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
                             "Content-Length: 7\r\n\r\n{\"a\":1}";
    http::Request r;
    for (std::size_t cut = 0; cut < text.size(); ++cut)
        EXPECT_EQ(small(text.substr(0, cut), r).state, http::Parsed::State::incomplete) << cut;
    ASSERT_EQ(small(text, r).state, http::Parsed::State::complete);
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hook/guard");
    EXPECT_EQ(r.body, "{\"a\":1}");
    ASSERT_NE(r.header("authorization"), nullptr);
    EXPECT_EQ(*r.header("authorization"), "Bearer t");
}

TEST(HttpRequest, MalformedAndOversizedHaveTheirStatus) {
    struct Case {
        std::string text;
        int status;
    };
    const std::vector<Case> cases = {
        {"garbage\r\n\r\n", 400},
        {"POST /x HTTP/2\r\n\r\n", 505},
        {"POST x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400},
        {"POST /x HTTP/1.1\r\n\r\n", 411},
        {"POST /x HTTP/1.1\r\nContent-Length: 12z\r\n\r\n", 400},
        {"POST /x HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413},
        {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        {"POST /x HTTP/1.1\r\n no-name\r\n\r\n", 400},
        {"POST /x HTTP/1.1\r\nX: " + std::string(http::kMaxHeaderBytes, 'a'), 431},
    };
    for (const auto& c : cases) {
        http::Request r;
        auto p = small(c.text, r);
        EXPECT_EQ(p.state, http::Parsed::State::bad) << c.text.substr(0, 60);
        EXPECT_EQ(p.status, c.status) << c.text.substr(0, 60) << ": " << p.error;
    }
}

TEST(HttpRequest, TheTargetIsKeptForAnOversizedBody) {
    http::Request r;
    auto p = small("POST /hook/guard HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", r);
    EXPECT_EQ(p.status, 413);
    EXPECT_EQ(r.target, "/hook/guard");
}

TEST(HttpRequest, ResponseAndErrorBody) {
    const std::string text = http::response(401, http::error_body("no \xff token"));
    EXPECT_EQ(text.rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u) << text;
    EXPECT_NE(text.find("Connection: close\r\n"), std::string::npos);
    EXPECT_NE(text.find("\r\n\r\n{\"error\":\"no \xef\xbf\xbd token\"}\n"), std::string::npos) << text;
}

TEST(HttpFiles, HookNamesAUrlMayCarry) {
    EXPECT_TRUE(valid_http_hook_name("slow-guard.2_x"));
    for (const char* bad : {"", ".", "..", "a/b", "a b", "%2e%2e", "a?b"}) EXPECT_FALSE(valid_http_hook_name(bad)) << bad;
    EXPECT_FALSE(valid_http_hook_name(std::string(129, 'a')));
}
