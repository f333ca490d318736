#pragma once
// One timer structure for every connection of an event loop: a hashed
// timing wheel. Each connection owns exactly one Entry and keeps it armed at
// its earliest deadline (heartbeat, unfinished line, registration, close
// grace); when it fires, the connection checks its deadlines and re-arms.
// Arming, re-arming and cancelling are O(1) and allocate nothing, and the
// wheel wakes the loop only for ticks that hold an entry (finding the next
// one looks at most one turn of slots ahead), so an idle connection costs
// nothing between its deadlines.

#include "eventloop.h"
#include "livenesssettings.h"

#include <memory>
#include <vector>

namespace longline::server::net {

using namespace std::chrono_literals;

class TimerWheel
{
public:
    class Entry
    {
    public:
        bool armed() const { return m_wheel != nullptr; }
        Millis due() const { return m_due; }

    protected:
        Entry() = default;
        ~Entry(); // cancels
        Entry(const Entry &) = delete;
        Entry &operator=(const Entry &) = delete;
        // Called once per arming, at or shortly after due().
        virtual void onTimer(Millis now) = 0;

    private:
        friend class TimerWheel;
        TimerWheel *m_wheel = nullptr;
        Entry *m_prev = nullptr;
        Entry *m_next = nullptr;
        Millis m_due{0};
        size_t m_slot = 0; // index into m_slots, or FiringSlot
    };

    // Deadlines fire up to one tick late; liveness budgets are seconds.
    static constexpr Millis DefaultTick = 20ms;
    static constexpr size_t DefaultSlots = 1024; // about 20 s per turn
    // Entries fired per pass of the loop; more due at once wait for the
    // next pass, after the loop's other events. A heartbeat PING costs about
    // 10 us to send: 32 of them keep a client's PING waiting at most about
    // a third of a millisecond.
    static constexpr size_t MaxFiresPerPass = 32;

    explicit TimerWheel(EventLoop &loop, Millis tick = DefaultTick, size_t slots = DefaultSlots);
    ~TimerWheel();
    TimerWheel(const TimerWheel &) = delete;
    TimerWheel &operator=(const TimerWheel &) = delete;

    // Arms (or re-arms) `entry` at monotonic time `due`.
    void schedule(Entry *entry, Millis due);
    void cancel(Entry *entry);
    size_t armedCount() const { return m_count; }
    // Times the wheel woke the loop; it sleeps to the next tick holding an
    // entry, so an idle wheel wakes it rarely.
    quint64 wakeups() const { return m_wakeups; }

private:
    // Due entries wait here while callbacks run, so a callback that cancels
    // or destroys another due entry takes it off this list too.
    static constexpr size_t FiringSlot = size_t(-1);

    void link(Entry *entry, size_t slot);
    void unlink(Entry *entry);
    Entry *&head(size_t slot) { return slot == FiringSlot ? m_firing : m_slots[slot]; }
    // Makes the loop run onTick() once `tick` is whole, if not sooner.
    void wakeBy(qint64 tick);
    void onTick();
    void fireSome(Millis now);

    EventLoop &m_loop;
    EventLoop::Timer m_timer;
    Millis m_tick;
    std::vector<Entry *> m_slots; // heads of doubly linked lists
    Entry *m_firing = nullptr;
    size_t m_count = 0;
    bool m_ticking = false;
    qint64 m_plannedTick = 0; // while ticking: the tick onTick() will process up to
    quint64 m_wakeups = 0;
    bool m_fireQueued = false; // a pass for the rest of m_firing is deferred
    // Expires with the wheel: a deferred pass that outlived it does nothing.
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);
    qint64 m_doneTick = 0; // every slot up to this tick number was processed
};

} // namespace longline::server::net
