#include "timerwheel.h"

#include "heartbeatmonitor.h"

namespace longline::server::net {

TimerWheel::Entry::~Entry()
{
    if (m_wheel)
        m_wheel->cancel(this);
}

TimerWheel::TimerWheel(EventLoop &loop, Millis tick, size_t slots)
    : m_loop(loop), m_timer(loop), m_tick(tick), m_slots(slots, nullptr)
{
}

TimerWheel::~TimerWheel()
{
    m_slots.push_back(m_firing);
    for (Entry *first : m_slots) {
        for (Entry *e = first; e;) {
            Entry *next = e->m_next;
            e->m_wheel = nullptr;
            e->m_prev = e->m_next = nullptr;
            e = next;
        }
    }
}

void TimerWheel::link(Entry *e, size_t slot)
{
    Entry *&first = head(slot);
    e->m_slot = slot;
    e->m_prev = nullptr;
    e->m_next = first;
    if (first)
        first->m_prev = e;
    first = e;
    e->m_wheel = this;
    ++m_count;
}

void TimerWheel::unlink(Entry *e)
{
    if (e->m_prev)
        e->m_prev->m_next = e->m_next;
    else
        head(e->m_slot) = e->m_next;
    if (e->m_next)
        e->m_next->m_prev = e->m_prev;
    e->m_prev = e->m_next = nullptr;
    e->m_wheel = nullptr;
    --m_count;
}

void TimerWheel::schedule(Entry *entry, Millis due)
{
    if (entry->m_wheel)
        unlink(entry);
    entry->m_due = due;
    // An idle wheel starts from the current tick: slots before it hold
    // nothing.
    if (m_count == 0 && !m_ticking)
        m_doneTick = monotonicNow().count() / m_tick.count() - 1;
    const qint64 tick = std::max<qint64>(due.count() / m_tick.count(), m_doneTick + 1);
    link(entry, static_cast<size_t>(tick) % m_slots.size());
    wakeBy(tick);
}

void TimerWheel::cancel(Entry *entry)
{
    if (entry->m_wheel == this)
        unlink(entry);
}

void TimerWheel::wakeBy(qint64 tick)
{
    if (m_ticking && m_plannedTick <= tick)
        return;
    m_ticking = true;
    m_plannedTick = tick;
    // A tick is processed once it is whole: at the start of the next one.
    const Millis at{(tick + 1) * m_tick.count()};
    m_timer.start(at - monotonicNow(), [this] { onTick(); });
}

void TimerWheel::onTick()
{
    m_ticking = false;
    ++m_wakeups;
    const Millis now = monotonicNow();
    // Only whole ticks are processed: every deadline in one is then due.
    const qint64 nowTick = now.count() / m_tick.count() - 1;
    // A late tick (a busy loop, a suspended machine) catches up on every
    // slot it missed, at most one whole turn.
    const qint64 first = std::max(m_doneTick + 1, nowTick - qint64(m_slots.size()) + 1);
    for (qint64 t = first; t <= nowTick; ++t) {
        Entry *e = m_slots[static_cast<size_t>(t) % m_slots.size()];
        while (e) {
            Entry *next = e->m_next;
            if (e->m_due <= now) {
                unlink(e);
                link(e, FiringSlot);
            }
            e = next;
        }
    }
    m_doneTick = nowTick;
    if (!m_fireQueued)
        fireSome(now);
    // Sleep to the next tick that holds anything, not tick by tick: the
    // heartbeats of 1,000 clients are a few ticks in 15 s, and every empty
    // tick was a wakeup of the whole process.
    for (qint64 t = m_doneTick + 1; t <= m_doneTick + qint64(m_slots.size()); ++t) {
        if (m_slots[static_cast<size_t>(t) % m_slots.size()]) {
            wakeBy(t);
            break;
        }
    }
}

void TimerWheel::fireSome(Millis now)
{
    for (size_t fired = 0; m_firing && fired < MaxFiresPerPass; ++fired) {
        Entry *e = m_firing;
        unlink(e);
        e->onTimer(now); // may re-arm itself, cancel or destroy others
    }
    if (!m_firing)
        return;
    // The rest after the events that came meanwhile: 19,500 clients
    // registered in one burst have their heartbeats due within a few ticks,
    // and sending all those PINGs at once held every client's PING behind
    // them.
    m_fireQueued = true;
    m_loop.defer([this, alive = std::weak_ptr<int>(m_alive)] {
        if (alive.expired())
            return;
        m_fireQueued = false;
        fireSome(monotonicNow());
    });
}

} // namespace longline::server::net
