// The breaker gate (store/handoff.h): the file that lists the hooks whose breaker needs
// the full admission, kept in step with the breakers table by the write transactions.
#include "store/handoff.h"
#include "store/impl.h"

namespace hookwarden::store {

namespace {

// Every hook whose breaker breaker::needs_admission (a state this version does not know
// included: its runs take the full admission, which lets them run).
const char* const kSelectGated = "SELECT hook FROM breakers WHERE state NOT IN ('closed', 'disabled') ORDER BY hook";

}  // namespace

// Inside the write transaction that changes the set, so gate writes are ordered like
// the commits. If that transaction then fails, the gate is removed (see forget_gate):
// everyone takes the full admission until the next write.
void Store::Impl::write_gate() {
    gate_written = true;
    std::vector<std::string> listed;
    Stmt s = cached(kSelectGated);
    while (s.step()) listed.push_back(s.text(0));
    if (!store::write_gate(dir, listed).empty()) store::remove_gate(dir);
}

void Store::Impl::ensure_gate() {
    if (::access((dir + "/" + kGateName).c_str(), F_OK) == 0 || errno != ENOENT) return;
    try {
        WriteTx tx(*this);
        write_gate();
        tx.commit();
    } catch (const std::exception&) {
        store::remove_gate(dir);
    }
}

void Store::Impl::forget_gate() {
    if (gate_written) store::remove_gate(dir);
    gate_written = false;
}

}  // namespace hookwarden::store
