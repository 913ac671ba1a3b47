// The Redis budget's connection: resolve, connect, AUTH, SELECT, SCRIPT LOAD, the EVALSHA of every
// script call, the watchdog, and the backoff after a failure.

#include "pacing/redis_budget_impl.hpp"

#include <paced/error.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>

namespace paced::detail {

void redis_budget_impl::run_script(rp::script_call call, answer_handler done, bool reloaded) {
    auto cmd = rp::evalsha_command(sha_, call);
    send(cmd, [call = std::move(call), done = std::move(done), reloaded](redis_budget_impl& self,
                                                                         rp::reply r) mutable {
        if (rp::is_noscript(r) && !reloaded) {
            self.send({"SCRIPT", "LOAD", std::string{rp::gcra_script()}},
                      [](redis_budget_impl& s, rp::reply loaded) {
                          if (loaded.what == rp::reply::kind::string)
                              s.sha_ = loaded.str;
                      });
            self.run_script(std::move(call), std::move(done), true);
            return;
        }
        if (r.lost() || r.is_error()) {
            auto const why = r.lost() ? std::string{"connection lost"} : "Redis answered: " + r.str;
            done(self, std::nullopt);
            self.link_failed(why);
            return;
        }
        self.counters_.round_trips++;
        done(self, std::move(r));
    });
}

void redis_budget_impl::send(std::vector<std::string> const& cmd,
                             std::function<void(redis_budget_impl&, rp::reply)> on_reply) {
    auto const generation = link_gen_;
    bool const sent = link_ && link_->send(cmd, [weak = weak_from_this(), generation,
                                                 on_reply = std::move(on_reply)](rp::reply r) {
        auto self = weak.lock();
        if (!self || self->closed_ || generation != self->link_gen_)
            return;
        self->watch();
        on_reply(*self, std::move(r));
    });
    if (!sent) {
        link_failed("the connection is not usable");
        return;
    }
    watch();
}

void redis_budget_impl::watch() {
    if (!link_ || link_->pending() == 0) {
        disarm(watchdog_);
        return;
    }
    watchdog_.armed = false; // re-arm from now: progress was made
    arm(watchdog_, clock_type::now() + opts_.connect_timeout, [](redis_budget_impl& self) {
        if (self.link_ && self.link_->pending() > 0)
            self.link_failed("no answer within " + std::to_string(self.opts_.connect_timeout.count()) +
                             " ms");
    });
}

void redis_budget_impl::ensure_connecting() {
    if (closed_ || state_ != link_state::down)
        return;
    auto const now = clock_type::now();
    if (now >= next_attempt_) {
        start_connect();
        return;
    }
    state_ = link_state::backoff;
    arm(connect_timer_, next_attempt_, [](redis_budget_impl& self) {
        self.state_ = link_state::down;
        self.start_connect();
    });
}

void redis_budget_impl::start_connect() {
    if (closed_)
        return;
    state_ = link_state::connecting;
    auto const generation = ++link_gen_;
    arm(connect_timer_, clock_type::now() + opts_.connect_timeout, [generation](redis_budget_impl& self) {
        if (generation == self.link_gen_ && self.state_ == link_state::connecting)
            self.link_failed("connecting timed out after " +
                             std::to_string(self.opts_.connect_timeout.count()) + " ms");
    });
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [weak = weak_from_this(), generation](boost::system::error_code ec,
                                              asio::ip::tcp::resolver::results_type results) {
            auto self = weak.lock();
            if (!self || self->closed_ || generation != self->link_gen_)
                return;
            if (ec || results.empty())
                return self->link_failed("cannot resolve '" + self->url_.host + "': " + ec.message());
            auto const ep = results.begin()->endpoint();
            self->link_ = std::make_unique<rp::link>(self->strand_);
            self->link_->connect(
                ep.address().to_string(), ep.port(),
                [weak, generation](bool ok, std::string why) {
                    auto s = weak.lock();
                    if (s && !s->closed_ && generation == s->link_gen_)
                        s->on_connected(ok, std::move(why));
                },
                [weak, generation](std::string why) {
                    auto s = weak.lock();
                    if (s && !s->closed_ && generation == s->link_gen_)
                        s->link_failed(std::move(why));
                });
        });
}

void redis_budget_impl::on_connected(bool ok, std::string why) {
    if (!ok)
        return link_failed("cannot connect to " + url_.host + ":" + std::to_string(url_.port) + ": " + why);
    // Pipelined: an AUTH refusal fails the later commands too, and the first failure is reported.
    auto expect_ok = [](char const* what) {
        return [what](redis_budget_impl& self, rp::reply r) {
            if (r.lost() || r.is_error())
                self.link_failed(std::string{what} + (r.lost() ? ": connection lost" : " refused: " + r.str));
        };
    };
    if (!url_.password.empty()) {
        if (url_.username.empty())
            send({"AUTH", url_.password}, expect_ok("AUTH"));
        else
            send({"AUTH", url_.username, url_.password}, expect_ok("AUTH"));
    }
    if (url_.db != 0)
        send({"SELECT", std::to_string(url_.db)}, expect_ok("SELECT"));
    send({"SCRIPT", "LOAD", std::string{rp::gcra_script()}}, [](redis_budget_impl& self, rp::reply r) {
        if (r.what != rp::reply::kind::string)
            return self.link_failed("SCRIPT LOAD: " + (r.lost() ? std::string{"connection lost"} : r.str));
        self.sha_ = r.str;
        self.on_ready();
    });
}

void redis_budget_impl::on_ready() {
    state_ = link_state::ready;
    connected_ = true;
    counters_.connects++;
    disarm(connect_timer_);
    disarm(hold_timer_);
    backoff_ = opts_.backoff_initial;
    down_since_.reset();
    last_error_.clear();
    fallback_active_ = false;
    last_layout_read_.reset(); // what the others learnt while we were away
    flush_pending();
    pump_all();
}

void redis_budget_impl::link_failed(std::string why) {
    if (closed_)
        return;
    counters_.connect_failures++;
    last_error_ = std::move(why);
    ++link_gen_; // every late answer of this connection is now stale
    if (auto l = std::exchange(link_, nullptr))
        l->close();
    resolver_.cancel();
    connected_ = false;
    disarm(watchdog_);
    disarm(connect_timer_);
    for (auto& [key, q] : queues_)
        q->asking = nullptr; // their answers are lost: the heads ask again later
    auto const now = clock_type::now();
    if (!down_since_)
        down_since_ = now;
    std::uniform_real_distribution<double> jitter{0.5, 1.0};
    next_attempt_ = now + std::chrono::duration_cast<nanoseconds>(backoff_ * jitter(rng_));
    backoff_ = std::min(backoff_ * 2, opts_.backoff_max);
    state_ = link_state::down;
    if (fallback_) {
        fallback_active_ = true;
        fail_all(make_error_code(errc::budget_unavailable),
                 unavailable_message()); // they go to the fallback
    }
    if (has_demand())
        ensure_connecting();
    arm_hold_timer();
}

void redis_budget_impl::close() {
    if (closed_)
        return;
    closed_ = true;
    ++link_gen_;
    fail_all(asio::error::operation_aborted, "budget: destroyed");
    for (auto& [key, q] : queues_)
        q->asking = nullptr;
    disarm(connect_timer_);
    disarm(hold_timer_);
    disarm(watchdog_);
    resolver_.cancel();
    link_.reset();
    connected_ = false;
}

} // namespace paced::detail
