// Text material of the opinion simulator (opinion.cc): post and news templates per language,
// topic and intended sentiment, hard cases (sarcasm, negation, mixed tone) and the vocabulary
// that fills the slots. Data only; opinion.cc renders it.
//
// Slots are written {name}; opinion.cc fills them and records the entities they name in the
// post's `mentions`: {bank} {bank2} {stock} {code} {sector} {merchant} {item} {place} {city}
// {branch} {staff} {pct} {rate} {rate2} {amount} {loss} {minimum} {fee} {feeitem} {feature}
// {product} {investment} {credit} {minutes} {hours} {days} {n} {quarter} {bigamount}.
// Invariants: every (language, topic, tone) cell opinion.cc draws from is non-empty; English
// templates are whole sentences (openers and closers are joined with a space), Chinese ones
// end with their own punctuation; no template holds a NUL.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace panorama::generate::opinion_text {

using Lines = std::span<const std::string_view>;

enum Lang : uint8_t { kZh, kEn, kLangCount };
// In the schema's sentiment order: NEGATIVE, NEUTRAL, POSITIVE.
enum Tone : uint8_t { kNegative, kNeutral, kPositive, kToneCount };

enum Topic : uint8_t {
  kService,
  kApp,
  kFees,
  kRates,
  kProducts,
  kStock,
  kMerchantReview,
  kMarket,
  // Reactions to incidents.
  kOutage,
  kFraudWave,
  kDataBreach,      // a breach at a bank
  kMerchantBreach,  // card data stolen at a merchant (fraud_wave or data_breach on a merchant)
  kMerchantFailure,
  kTopicCount,
};

// Hard cases are grouped by what they talk about.
enum HardKind : uint8_t { kHardBank, kHardMerchant, kHardStock, kHardKindCount };

enum NewsTopic : uint8_t {
  kNewsProduct,
  kNewsRates,
  kNewsResults,
  kNewsMarket,
  kNewsOutage,
  kNewsOutageFollowUp,
  kNewsFraud,
  kNewsFraudFollowUp,
  kNewsBreach,
  kNewsBreachFollowUp,
  kNewsMerchantBreach,
  kNewsMerchantFailure,
  kNewsMerchantFailureFollowUp,
  kNewsTopicCount,
};

struct NewsItem {
  std::string_view title;
  std::string_view body;  // paragraphs separated by '\n'
};

// Long templates are split into adjacent literals across lines, which the check takes for
// a missing comma; every element of these tables ends with a comma.
// NOLINTBEGIN(bugprone-suspicious-missing-comma)
// ============================================================================ English posts

inline constexpr std::string_view kEnServiceNeg[] = {
    "Waited {minutes} minutes at the {branch} of {bank} just to update my phone number. Only "
    "one counter open.",
    "{bank} customer service hung up on me twice today. Still no answer about the {amount} "
    "that never arrived.",
    "Third time this month {bank} has lost my paperwork. How hard can it be?",
    "The {staff} at {bank} in {city} was rude and clearly didn't want to help. Terrible "
    "experience.",
    "Tried to close my account at {bank} and got sent between {n} different counters. Awful "
    "service.",
    "{bank} froze my card without warning while I was in {city}. Spent {hours} hours on the "
    "phone to get it unfrozen.",
    "Called {bank} about a wrong charge of {amount}. They promised a callback within {days} "
    "days. Nothing.",
    "Queue at the {branch} of {bank} was out the door again, and half the staff were on break. "
    "Pathetic.",
    "{bank} keeps asking for the same documents over and over. Worst customer experience I've "
    "had with any bank.",
};
inline constexpr std::string_view kEnServiceNeu[] = {
    "Does anyone know if the {branch} of {bank} is open on Sundays?",
    "Need to update my ID details with {bank}. Can it be done in the app or do I have to go to "
    "a branch?",
    "Went to {bank} in {city} today to open a second account. Took about {minutes} minutes.",
    "What documents does {bank} ask for when a foreigner opens an account?",
    "According to the notice at the door, the {bank} branch in {city} moves to a new address "
    "next month.",
    "Is the {bank} hotline available in English, or only in Chinese?",
};
inline constexpr std::string_view kEnServicePos[] = {
    "Shout-out to the {staff} at the {branch} of {bank} who replaced my lost card in {minutes} "
    "minutes. Excellent service.",
    "{bank} called me back within an hour and fixed the double charge. Really impressed.",
    "Opened an account at {bank} in {city} today: friendly staff and no waiting at all.",
    "Honestly the most helpful bank I've dealt with here. The {bank} staff even spoke English.",
    "{bank} refunded the {amount} within {days} days, exactly as promised. Great experience.",
    "Had a problem with a transfer abroad and the {bank} hotline solved it on the first call. "
    "Thank you!",
    "The {staff} at {bank} patiently walked my parents through mobile banking. Wonderful.",
};

inline constexpr std::string_view kEnAppNeg[] = {
    "The {bank} app crashed {n} times while I was trying to use {feature}. Useless.",
    "The new {bank} app update is a disaster: {feature} is buried three menus deep and login "
    "takes forever.",
    "Face login on the {bank} app keeps failing and then it locks me out for {hours} hours. So "
    "annoying.",
    "Why does the {bank} app make me re-verify my phone every single time? Terrible design.",
    "The {bank} app has been failing at {feature} for {days} days and the hotline knows nothing.",
    "The {bank} app logged me out in the middle of a payment of {amount}. No idea if it went "
    "through.",
    "Spent {minutes} minutes looking for {feature} in the {bank} app. Whoever designed this "
    "should be embarrassed.",
    "Pop-up ads everywhere in the {bank} app, I can't even get to {feature}. Awful.",
};
inline constexpr std::string_view kEnAppNeu[] = {
    "Is there a way to switch the {bank} app to English?",
    "New version of the {bank} app out today, with a shortcut for {feature} on the home screen.",
    "Can I use the {bank} app for {feature} with cards from other banks?",
    "Anyone running the {bank} app on an older phone? Wondering whether to update.",
    "Changing phones. Do I need to re-register the {bank} app at a branch?",
    "What is the daily limit for {feature} in the {bank} app?",
};
inline constexpr std::string_view kEnAppPos[] = {
    "The new {bank} app is fast and clean; using {feature} takes just two taps now. Love it.",
    "Have to say the {bank} app is excellent. I use it for {feature} every day without a hitch.",
    "{bank} finally added dark mode and sped up {feature}. Great update.",
    "Paid {amount} in the {bank} app in seconds. Smooth and reliable.",
    "Best banking app I've used in China. {bank} got {feature} exactly right.",
    "The spending breakdown in the {bank} app is genuinely useful. Well done.",
};

inline constexpr std::string_view kEnFeesNeg[] = {
    "{bank} charged me {fee} yuan as a \"{feeitem}\" without any notice. Outrageous.",
    "{fee} yuan for a {feeitem} at {bank}? That's daylight robbery.",
    "Just noticed {bank} has been charging me a {feeitem} every month. Closing my account.",
    "Hidden fees everywhere at {bank}. The {feeitem} alone cost me {fee} yuan this year.",
    "{bank} raised the {feeitem} again, while {bank2} doesn't charge anything for it. "
    "Ridiculous.",
    "Paying {bank} a {feeitem} for the privilege of bad service. Unbelievable.",
};
inline constexpr std::string_view kEnFeesNeu[] = {
    "How much is the {feeitem} at {bank} now? The website is unclear.",
    "Got an SMS: {bank} changes its {feeitem} from next month.",
    "Comparing the {feeitem} at {bank} and {bank2}. Anyone have recent numbers?",
    "Is the {feeitem} at {bank} waived if you keep a minimum balance?",
};
inline constexpr std::string_view kEnFeesPos[] = {
    "Nice, {bank} waived my {feeitem} after one phone call.",
    "{bank} doesn't charge a {feeitem}, which is why I moved my salary there. Great.",
    "Good news: {bank} is scrapping the {feeitem} for all customers from next month.",
    "Fair play to {bank}, they refunded the {fee} yuan {feeitem} without any fuss.",
};

inline constexpr std::string_view kEnRatesNeg[] = {
    "{bank} cut its deposit rate to {rate} again. Hardly worth keeping savings there.",
    "Asked {bank} about a mortgage: {rate2}, way above what {bank2} offered. Disappointing.",
    "The {investment} at {bank} yields only {rate} now. Terrible value.",
    "Another rate cut at {bank}. Savers get punished every quarter.",
    "{bank} quoted me {rate2} on a personal loan with a clean credit record. Ridiculous.",
};
inline constexpr std::string_view kEnRatesNeu[] = {
    "{bank} lists its one-year fixed deposit at {rate} as of this week.",
    "What's the current rate on the {investment} at {bank}? I see {rate} online but the branch "
    "said something else.",
    "{bank} and {bank2} both adjusted deposit rates today; three-year terms now around {rate}.",
    "Does anyone know if {bank} gives a better rate on large deposits?",
    "Rate board at the {branch} of {bank}: one-year deposits {rate}, personal loans from "
    "{rate2}.",
};
inline constexpr std::string_view kEnRatesPos[] = {
    "{bank} offers {rate} on a three-year deposit, one of the best rates around right now.",
    "Refinanced with {bank} at {rate2}, saving me about {amount} a year. Very happy.",
    "Good rate on the {investment} at {bank}: {rate}, better than {bank2}.",
    "{bank} kept its deposit rate at {rate} while everyone else cut. Appreciated.",
    "Approved by {bank} at {rate2} within a day. Great deal.",
};

inline constexpr std::string_view kEnProductsNeg[] = {
    "The {investment} {bank} sold me lost money and nobody explained the risks. Misleading.",
    "{bank} pushes its {product} on me every time I visit. Stop calling me!",
    "Applied for the {credit} at {bank} {days} days ago and still no decision. Slow and "
    "opaque.",
    "The terms of my {product} at {bank} changed right after I signed. Feels like a bait and "
    "switch.",
    "Tried to cancel my {product} with {bank}; they made it as painful as possible.",
};
inline constexpr std::string_view kEnProductsNeu[] = {
    "{bank} launched a new {investment} this week, minimum {minimum}.",
    "Thinking about the {product} from {bank}. Anyone have experience with it?",
    "What's the difference between the {product} at {bank} and the one at {bank2}?",
    "{bank} sent me an offer for a {product}. Not sure yet.",
    "Is the {product} from {bank} available to non-residents?",
};
inline constexpr std::string_view kEnProductsPos[] = {
    "Really happy with the {investment} from {bank}: clear terms and decent returns.",
    "My {credit} application at {bank} was approved in {minutes} minutes in the app. Very "
    "convenient.",
    "Got the {bank} credit card and the cashback is great. Recommended.",
    "The {staff} at {bank} explained the {product} properly, no pressure at all. Refreshing.",
    "Moved my {product} from {bank2} to {bank}: better terms and excellent support.",
    "My {product} at {bank} has been solid for {n} years now. Happy customer.",
};

inline constexpr std::string_view kEnStockNeg[] = {
    "{stock} ({code}) down {pct} today, ugly close.",
    "Sold my {stock} ({code}) at a loss. This stock just keeps sliding.",
    "{stock} ({code}) broke support again, down {pct} this week. Not touching it.",
    "Weak guidance from {stock}, shares fell {pct}. Bearish.",
    "${code} {stock} getting hammered, down {pct}. Brutal.",
    "Another red day for {stock} ({code}). Down {pct} and no bottom in sight.",
    "{stock} ({code}) missed expectations badly and sank {pct} after the report.",
};
inline constexpr std::string_view kEnStockNeu[] = {
    "{stock} ({code}) closed flat today on light volume.",
    "Watching {stock} ({code}) ahead of earnings next week.",
    "{stock} ({code}) has traded sideways for {days} days.",
    "Anyone have a view on {stock} ({code}) at current prices?",
    "{stock} ({code}) moved {pct} in the first hour, then gave it all back.",
};
inline constexpr std::string_view kEnStockPos[] = {
    "{stock} ({code}) up {pct} today! Strong volume behind the move.",
    "Great quarter from {stock}, shares jumped {pct}. Bullish.",
    "Added more {stock} ({code}) on the dip, already up {pct}. Love this one.",
    "${code} {stock} breaking out, up {pct} this week.",
    "{stock} ({code}) beat estimates and rallied {pct}. Impressive.",
    "Long {stock} ({code}) since last year and it keeps delivering.",
};

inline constexpr std::string_view kEnMerchantNeg[] = {
    "Went to {merchant} in {city}: poor {item} and the staff couldn't care less.",
    "{merchant} overcharged me {amount} and refused to refund. Avoid.",
    "Waited {minutes} minutes at {merchant} and they still got my order wrong. Never again.",
    "Terrible experience at {merchant}, dirty {place} and rude service.",
    "{merchant} used to be good; now it's overpriced {item} and poor quality.",
    "My order from {merchant} arrived {days} days late and damaged. Disappointed.",
    "{merchant} refused card payment and insisted on cash. Shady.",
    "{merchant} promised a refund {days} days ago. Still waiting. Awful.",
};
inline constexpr std::string_view kEnMerchantNeu[] = {
    "Stopped by {merchant} in {city} today. Okay {item}, nothing special.",
    "{merchant} has new opening hours from next week.",
    "Does {merchant} accept foreign cards? Planning to go at the weekend.",
    "{merchant} is running a promotion on {item} this week.",
    "Anyone been to the new {merchant} in {city}?",
};
inline constexpr std::string_view kEnMerchantPos[] = {
    "{merchant} in {city} is fantastic: great {item} and friendly staff.",
    "Best {item} I've had in a long time, at {merchant}. Highly recommend.",
    "{merchant} fixed a problem with my order straight away. Excellent service.",
    "Love {merchant}: fair prices, quality {item}, quick checkout.",
    "Paid {amount} at {merchant} and it was worth every yuan.",
    "{merchant} delivered the next morning, well packed. Very happy.",
    "Great little {place}. {merchant} never lets me down.",
    "Friendly staff at {merchant}, spotless {place}, will be back.",
};

inline constexpr std::string_view kEnMarketNeg[] = {
    "{sector} sliding again today, {stock} among the worst, down {pct}.",
    "Rough day for {sector}, everything red. {stock} off {pct}.",
    "Market mood is terrible: volumes drying up and {sector} leading the losses.",
    "Feels like this market has no floor. {sector} down {n} days straight and {stock} with "
    "them.",
    "Ugly session. {stock} ({code}) dragged {sector} lower, down {pct}.",
};
inline constexpr std::string_view kEnMarketNeu[] = {
    "{sector} mixed today, {stock} flat, volume average.",
    "Quiet session. Everyone is waiting for the central bank's rate decision.",
    "{sector} rotating. Anyone tracking the flows into {stock}?",
    "Market closed little changed; {stock} ({code}) ended near its open.",
    "Next week's data could move {sector}. Staying on the sidelines for now.",
};
inline constexpr std::string_view kEnMarketPos[] = {
    "Strong session for {sector}, {stock} up {pct}. Risk appetite is back.",
    "{sector} rallying hard today. Great day to be long {stock}.",
    "Broad rally across the market, {stock} ({code}) leading with a {pct} gain.",
    "Good data this morning lifted {sector}, {stock} up {pct}.",
    "Optimism is back: {sector} strong and {stock} up {pct}. Nice.",
};

inline constexpr std::string_view kEnOutageNeg[] = {
    "{bank} app down again. Can't transfer, can't pay, can't even log in. Unacceptable.",
    "Stuck at the checkout because {bank} card payments keep failing. Embarrassing.",
    "Is {bank} down for everyone? Trying {feature} just spins and errors out.",
    "{bank} has been down for {hours} hours and not a single update from them. Terrible.",
    "My salary was supposed to arrive today and the {bank} app shows nothing. What is going "
    "on?",
    "Couldn't pay my rent because of the {bank} outage. {bank2}, here I come.",
    "ATMs in {city} not working either. {bank} is a mess today.",
    "{bank} calls it a \"system upgrade\". In the middle of a weekday. Seriously?",
};
inline constexpr std::string_view kEnOutageNeu[] = {
    "Anyone else getting errors with {bank} right now? Transfers not going through.",
    "{bank} says its app and card payments are disrupted and engineers are working on it.",
    "{bank} seems to be back for some users in {city}.",
};
inline constexpr std::string_view kEnOutagePos[] = {
    "{bank} is back up and they've already apologised. Quick fix, appreciated.",
    "To be fair, the staff at the {branch} of {bank} stayed calm during the outage and helped "
    "everyone with cash.",
};

inline constexpr std::string_view kEnFraudNeg[] = {
    "Just found {n} charges on my {bank} card that I never made, {loss} in total. Scared.",
    "Scam calls pretending to be {bank} all day. One of them knew my full name.",
    "My {bank} account was emptied overnight, {loss} gone. The bank says it's "
    "\"investigating\".",
    "Someone used my {bank} card in {city} while I was at home. How is this possible?",
    "{bank} blocked my card after the fraud, fine, but now I can't pay for anything for {days} "
    "days.",
    "A friend lost {loss} to a fake {bank} text message. Be careful, everyone.",
    "Unauthorised transactions on {bank} cards again. Their security is a joke.",
};
inline constexpr std::string_view kEnFraudNeu[] = {
    "{bank} warns customers about fake text messages asking for verification codes.",
    "Got an alert from {bank} about suspicious activity. Anyone else?",
    "Reminder: {bank} will never ask for your password. Check your statements.",
};
inline constexpr std::string_view kEnFraudPos[] = {
    "Credit where due: {bank} caught a fraudulent charge of {amount} on my card and refunded it "
    "the same day.",
    "The {bank} fraud team called me within minutes of a strange transaction. Great job.",
};

inline constexpr std::string_view kEnBreachNeg[] = {
    "{bank} leaked customer data and now spam callers know my account number. Furious.",
    "How does a bank lose its customers' ID numbers? {bank} should be fined heavily.",
    "{bank} data breach confirmed. Changed all my passwords and still feel exposed.",
    "Getting phishing texts since the {bank} leak, {n} today alone.",
    "{bank} took {days} days to tell customers about the breach. Disgraceful.",
    "Closing everything with {bank} after this leak. Moving to {bank2}.",
    "My personal data is out there because {bank} couldn't protect it. Unbelievable.",
};
inline constexpr std::string_view kEnBreachNeu[] = {
    "{bank} says it is contacting the customers affected by the data incident.",
    "What should {bank} customers do after the data leak? Is changing the password enough?",
    "{bank} has set up a hotline for questions about the data breach.",
};
inline constexpr std::string_view kEnBreachPos[] = {
    "At least {bank} was upfront about the leak and replaced my card for free. Appreciated.",
};

inline constexpr std::string_view kEnMerchantBreachNeg[] = {
    "Used my card at {merchant} last week and now there are charges from {city} I never made.",
    "Heard the payment system at {merchant} was hacked. That's where my {bank} card got "
    "skimmed, for sure.",
    "{merchant} leaked customers' card numbers? Great, {loss} gone from my account.",
    "Don't pay by card at {merchant} until they fix their terminals. My {bank} card was cloned.",
};
inline constexpr std::string_view kEnMerchantBreachNeu[] = {
    "{merchant} says customers who paid by card recently should check their statements.",
    "Is the card problem at {merchant} confirmed? {bank} just sent me a new card.",
};
inline constexpr std::string_view kEnMerchantBreachPos[] = {
    "{bank} flagged a skimmed charge from the {merchant} breach and reversed it straight away. "
    "Impressed.",
};

inline constexpr std::string_view kEnFailureNeg[] = {
    "{merchant} in {city} closed overnight and my prepaid balance of {loss} is gone.",
    "Showed up at {merchant} and the doors were locked. Staff say they haven't been paid for "
    "{n} months.",
    "{merchant} took deposits last week and then shut down. Feels like a scam.",
    "Still waiting on a refund from {merchant} and now they're out of business. Great.",
    "Members of {merchant} are losing thousands and nobody answers the phone. Disgusting.",
    "{merchant} is gone, and so is my order worth {amount}.",
    "Sad and angry. {merchant} closed without notice after taking our money.",
};
inline constexpr std::string_view kEnFailureNeu[] = {
    "{merchant} in {city} appears to have closed permanently.",
    "Anyone know how to get a refund now that {merchant} has shut down? Card chargeback maybe?",
    "The notice on the door at {merchant} says it is closed for \"restructuring\".",
};
inline constexpr std::string_view kEnFailurePos[] = {
    "Lucky me: {bank} got my {loss} back through a chargeback after {merchant} shut down. "
    "Thank you!",
};

// ============================================================================ Chinese posts

inline constexpr std::string_view kZhServiceNeg[] = {
    "在{bank}{branch}排了{minutes}分钟队，就为了改个手机号，只开了一个窗口。",
    "{bank}客服电话打了{n}次都没人接，那笔{amount}到现在也没到账。",
    "{city}{bank}的{staff}态度太差了，爱答不理的，体验极差。",
    "{bank}这个月第三次把我的资料弄丢了，真的离谱。",
    "去{bank}销户，被{n}个窗口踢来踢去，服务太烂了。",
    "人在{city}出差，{bank}突然把我的卡冻结了，打了{hours}个小时电话才解冻。",
    "{bank}乱扣了我{amount}，说{days}天内回电，到现在一点消息都没有。",
    "{bank}{branch}又排长队，工作人员还在闲聊，无语。",
    "{bank}每次都让我重复提交同样的材料，效率低得可怕。",
};
inline constexpr std::string_view kZhServiceNeu[] = {
    "请问{bank}{branch}周末营业吗？",
    "{bank}更新身份证信息可以在App上办吗，还是必须去网点？",
    "今天去{city}的{bank}办了张二类卡，大概用了{minutes}分钟。",
    "外籍人士在{bank}开户需要带哪些材料？",
    "看到门口公告，{bank}{city}这家网点下个月要搬到新地址。",
    "{bank}的客服热线有英文服务吗？",
};
inline constexpr std::string_view kZhServicePos[] = {
    "给{bank}{branch}的{staff}点个赞，{minutes}分钟就帮我补好了卡，服务很专业。",
    "{bank}一个小时内就回电，重复扣款的问题当场解决了，很满意。",
    "今天在{city}的{bank}开户，工作人员很热情，完全不用排队。",
    "{bank}说{days}天内退回{amount}，真的准时到账了，好评！",
    "境外汇款出了点问题，{bank}热线一次就帮我处理好了，谢谢！",
    "{bank}的{staff}特别耐心，一步步教我爸妈用手机银行，很暖心。",
    "{bank}的服务真的没得说，办事利索，态度也好。",
};

inline constexpr std::string_view kZhAppNeg[] = {
    "{bank}App用{feature}的时候闪退了{n}次，太垃圾了。",
    "{bank}新版App真难用，{feature}藏得那么深，登录还特别慢。",
    "{bank}App人脸识别老是失败，失败几次就锁{hours}小时，烦死了。",
    "{bank}App的{feature}已经坏了{days}天，打客服也说不清楚。",
    "付{amount}的时候{bank}App直接把我踢下线了，也不知道钱扣没扣。",
    "在{bank}App里找{feature}找了{minutes}分钟，这设计是认真的吗？",
    "{bank}App广告弹窗一个接一个，正事都办不了，吐了。",
};
inline constexpr std::string_view kZhAppNeu[] = {
    "{bank}App今天更新了，{feature}挪到首页了。",    "{bank}App的{feature}能绑定其他银行的卡吗？",
    "有人用旧手机装{bank}App吗？想问下新版卡不卡。", "换手机了，{bank}App需要去网点重新激活吗？",
    "{bank}App的{feature}每天限额是多少？",
};
inline constexpr std::string_view kZhAppPos[] = {
    "{bank}新版App又快又清爽，{feature}两步就搞定，爱了。",
    "不得不说{bank}App做得不错，{feature}从来没出过问题。",
    "{bank}App终于上线了深色模式，{feature}也好用多了，好评。",
    "用{bank}App的{feature}付了{amount}，几秒钟就完成，很流畅。",
    "用过最顺手的手机银行就是{bank}，{feature}做得很贴心。",
    "{bank}App的月度账单分析挺实用的，点赞。",
};

inline constexpr std::string_view kZhFeesNeg[] = {
    "{bank}一声不吭扣了我{fee}元{feeitem}，太过分了。",
    "{bank}的{feeitem}要{fee}元？这是抢钱吧。",
    "才发现{bank}每个月都在扣{feeitem}，准备销户了。",
    "{bank}各种隐形收费，光{feeitem}今年就扣了我{fee}元。",
    "{bank}又涨{feeitem}了，{bank2}这个都是免费的，离谱。",
    "服务一般还要收{feeitem}，{bank}真好意思。",
};
inline constexpr std::string_view kZhFeesNeu[] = {
    "现在{bank}的{feeitem}是多少？官网写得不清楚。",
    "收到短信，{bank}下个月起调整{feeitem}标准。",
    "有人对比过{bank}和{bank2}的{feeitem}吗？",
    "{bank}的{feeitem}，账户里留多少钱可以免？",
};
inline constexpr std::string_view kZhFeesPos[] = {
    "打了个电话，{bank}就把{feeitem}给我免了，不错。",
    "{bank}不收{feeitem}，这也是我把工资卡换过来的原因，赞。",
    "好消息，{bank}下个月起取消{feeitem}了。",
    "{bank}二话不说退回了{fee}元{feeitem}，点赞。",
};

inline constexpr std::string_view kZhRatesNeg[] = {
    "{bank}存款利率又降到{rate}了，钱存那里没啥意思了。",
    "在{bank}问了房贷，利率{rate2}，比{bank2}高一截，失望。",
    "{bank}的{investment}收益才{rate}，太低了。",
    "{bank}又降息了，储户每个季度都被割一刀。",
    "征信干干净净，{bank}消费贷还给我报{rate2}，离谱。",
};
inline constexpr std::string_view kZhRatesNeu[] = {
    "{bank}本周一年期定存挂牌利率{rate}。",
    "{bank}的{investment}现在利率多少？网上写{rate}，网点说的不一样。",
    "{bank}和{bank2}今天都调整了存款利率，三年期大概{rate}。",
    "{bank}大额存单利率会高一点吗？",
    "{bank}{branch}的利率牌：一年期{rate}，个人贷款{rate2}起。",
};
inline constexpr std::string_view kZhRatesPos[] = {
    "{bank}三年期存款给到{rate}，目前算是很高的了。",
    "在{bank}转贷后利率{rate2}，一年能省{amount}，很开心。",
    "{bank}的{investment}利率{rate}，比{bank2}高，划算。",
    "别家都在降息，{bank}存款利率还保持在{rate}，良心。",
    "{bank}一天就批了，利率{rate2}，很满意。",
};

inline constexpr std::string_view kZhProductsNeg[] = {
    "{bank}卖给我的{investment}亏了钱，当时根本没讲风险，误导销售！",
    "每次去{bank}都被推销{product}，别再给我打电话了！",
    "{bank}的{credit}申请了{days}天还没结果，效率太低。",
    "签约之后{bank}{product}的条款就变了，感觉被套路了。",
    "想取消{bank}的{product}，各种刁难，太恶心了。",
};
inline constexpr std::string_view kZhProductsNeu[] = {
    "{bank}这周推出了新的{investment}，起购金额{minimum}。",
    "在考虑{bank}的{product}，有买过的朋友说说吗？",
    "{bank}和{bank2}的{product}有什么区别？",
    "{bank}给我推了个{product}，还在犹豫。",
    "{bank}的{product}非本地户籍可以办吗？",
};
inline constexpr std::string_view kZhProductsPos[] = {
    "{bank}的{investment}挺满意的，条款清楚，收益也还行。",
    "在{bank}App上申请{credit}，{minutes}分钟就批了，太方便了。",
    "办了{bank}的信用卡，返现力度很大，推荐。",
    "{bank}的{staff}把{product}讲得很清楚，一点不强推，舒服。",
    "从{bank2}换到{bank}的{product}，条件更好，服务也到位。",
    "{bank}的{product}用了{n}年了，一直很稳，满意。",
};

inline constexpr std::string_view kZhStockNeg[] = {
    "{stock}({code})今天跌了{pct}，收盘太难看了。",
    "割肉卖了{stock}，这票就是一路阴跌。",
    "{stock}({code})又破位了，这周跌了{pct}，不碰了。",
    "{stock}业绩指引太弱，股价跌了{pct}，看空。",
    "{stock}({code})被砸得太狠了，跌{pct}，惨。",
    "{stock}又是一根大阴线，跌{pct}，看不到底。",
    "{stock}({code})财报不及预期，大跌{pct}。",
};
inline constexpr std::string_view kZhStockNeu[] = {
    "{stock}({code})今天平收，成交量一般。",
    "关注一下{stock}({code})下周的财报。",
    "{stock}({code})横盘{days}天了，方向不明。",
    "现在这个位置，大家怎么看{stock}({code})？",
    "{stock}({code})早盘一度涨了{pct}，尾盘又回去了。",
};
inline constexpr std::string_view kZhStockPos[] = {
    "{stock}({code})今天大涨{pct}！放量突破。",
    "{stock}这季度业绩很亮眼，股价涨了{pct}，看多。",
    "{stock}({code})回调时加了仓，已经涨了{pct}，舒服。",
    "{stock}({code})这周涨了{pct}，走势漂亮。",
    "{stock}({code})业绩超预期，股价大涨{pct}，厉害。",
    "从去年拿{stock}到现在，一直很给力。",
};

inline constexpr std::string_view kZhMerchantNeg[] = {
    "去了{city}的{merchant}，{item}质量很差，服务员也爱答不理。",
    "{merchant}多收了我{amount}，还不给退，大家避雷。",
    "在{merchant}等了{minutes}分钟，订单还是弄错了，再也不去了。",
    "{merchant}这家{place}又脏又乱，服务态度也差，体验很糟。",
    "{merchant}以前还行，现在{item}又贵又差。",
    "在{merchant}下的单晚了{days}天才到，还是坏的，失望。",
    "{merchant}不让刷卡，只收现金，有点可疑。",
    "{merchant}说好{days}天内退款，到现在也没到账，差评。",
};
inline constexpr std::string_view kZhMerchantNeu[] = {
    "今天路过{city}的{merchant}，{item}还行，中规中矩。",
    "{merchant}下周起调整营业时间。",
    "{merchant}能刷外卡吗？周末打算去。",
    "{merchant}这周{item}有活动。",
    "有人去过{city}新开的{merchant}吗？",
};
inline constexpr std::string_view kZhMerchantPos[] = {
    "{city}的{merchant}太好了，{item}很棒，店员也热情。",
    "好久没遇到这么好的{item}了，{merchant}强烈推荐。",
    "{merchant}订单出了点问题，马上就给处理好了，服务一流。",
    "爱了{merchant}：价格公道，{item}品质好，结账也快。",
    "在{merchant}花了{amount}，物有所值。",
    "{merchant}第二天一早就送到了，包装很仔细，满意。",
    "{merchant}这家{place}从来没让我失望过。",
    "{merchant}店员很友好，{place}干净整洁，还会再来。",
};

inline constexpr std::string_view kZhMarketNeg[] = {
    "{sector}今天又在跌，{stock}跌了{pct}，跌幅居前。",
    "{sector}一片绿，{stock}跌{pct}，难受。",
    "市场情绪太差了，成交量萎缩，{sector}领跌，{stock}也没扛住。",
    "这市场感觉没有底，{sector}连跌{n}天了，{stock}跟着跌。",
    "今天真难看，{stock}({code})拖累{sector}，跌了{pct}。",
};
inline constexpr std::string_view kZhMarketNeu[] = {
    "{sector}今天涨跌互现，{stock}平收，成交量一般。",
    "今天比较平淡，大家都在等央行的利率决议。",
    "{sector}在轮动，有人在跟踪{stock}的资金流向吗？",
    "收盘基本持平，{stock}({code})收在开盘价附近。",
    "下周的数据可能影响{sector}，先观望。",
};
inline constexpr std::string_view kZhMarketPos[] = {
    "{sector}今天很强，{stock}涨了{pct}，风险偏好回来了。",
    "{sector}大涨，今天拿着{stock}的都赚了。",
    "市场普涨，{stock}({code})领涨，涨幅{pct}。",
    "早上数据不错，{sector}全线飘红，{stock}涨{pct}。",
    "信心回来了，{sector}走强，{stock}涨{pct}，舒服。",
};

inline constexpr std::string_view kZhOutageNeg[] = {
    "{bank}App又崩了，转账转不了，付款付不了，连登录都登不上，离谱！",
    "在收银台付款，{bank}的卡一直刷不过去，尴尬死了。",
    "{bank}是不是挂了？{feature}一直转圈然后报错。",
    "{bank}系统瘫痪{hours}个小时了，官方一句话都没有，太差劲了。",
    "今天发工资，{bank}App里什么都看不到，到底怎么回事？",
    "{bank}故障导致房租交不上，准备换{bank2}了。",
    "{city}的{bank}ATM也用不了，今天{bank}真是一团糟。",
    "{bank}说是“系统升级”，工作日大白天升级？认真的吗？",
};
inline constexpr std::string_view kZhOutageNeu[] = {
    "有人{bank}现在也报错吗？转账一直不成功。",
    "{bank}官方称手机银行和刷卡支付出现异常，正在紧急修复。",
    "{city}这边{bank}好像部分恢复了。",
};
inline constexpr std::string_view kZhOutagePos[] = {
    "{bank}已经恢复了，官方也道歉了，修复挺快的，点赞。",
    "说句公道话，{bank}{branch}的工作人员在故障期间很耐心，帮大家取了现金。",
};

inline constexpr std::string_view kZhFraudNeg[] = {
    "{bank}的卡莫名其妙多了{n}笔消费，一共{loss}，吓死了。",
    "一整天都是冒充{bank}的诈骗电话，居然能叫出我的全名。",
    "{bank}账户一夜之间被转走{loss}，银行只说“在调查”。",
    "我人在家，{bank}的卡却在{city}被刷了，怎么做到的？",
    "{bank}因为盗刷把卡冻结了，可我这{days}天什么都付不了。",
    "朋友被假冒{bank}的短信骗走{loss}，大家小心！",
    "{bank}的卡又被盗刷了，安全措施形同虚设。",
};
inline constexpr std::string_view kZhFraudNeu[] = {
    "{bank}提醒客户警惕索要验证码的诈骗短信。",
    "收到{bank}的可疑交易提醒，还有别人收到吗？",
    "提醒一下：{bank}不会索要密码，大家记得查账单。",
};
inline constexpr std::string_view kZhFraudPos[] = {
    "必须表扬{bank}，卡上一笔{amount}的盗刷被及时拦截，当天就退回了。",
    "{bank}风控几分钟内就打电话核实异常交易，好评。",
};

inline constexpr std::string_view kZhBreachNeg[] = {
    "{bank}泄露了客户信息，现在骚扰电话都能报出我的卡号，气死了！",
    "银行怎么能把客户身份证号都泄露出去？{bank}必须重罚。",
    "{bank}数据泄露实锤了，密码全改了，还是很没安全感。",
    "自从{bank}泄露信息，每天收到{n}条钓鱼短信。",
    "{bank}过了{days}天才通知客户信息泄露，太不负责任了。",
    "出了这种事，准备把{bank}的钱全转到{bank2}。",
    "我的个人信息就这么被{bank}泄露出去了，难以置信。",
};
inline constexpr std::string_view kZhBreachNeu[] = {
    "{bank}称正在联系受信息泄露影响的客户。",
    "{bank}客户信息泄露后，我们该怎么办？改密码就够了吗？",
    "{bank}开通了数据泄露事件的咨询专线。",
};
inline constexpr std::string_view kZhBreachPos[] = {
    "至少{bank}主动公开了泄露情况，还免费给我换了卡，这点值得肯定。",
};

inline constexpr std::string_view kZhMerchantBreachNeg[] = {
    "上周在{merchant}刷过卡，现在卡上出现了{city}的陌生消费。",
    "听说{merchant}的收银系统被黑了，我的{bank}卡肯定是在那被盗刷的。",
    "{merchant}泄露了顾客的卡号？我卡里{loss}没了。",
    "{merchant}的POS机修好之前千万别刷卡，我的{bank}卡被复制了。",
};
inline constexpr std::string_view kZhMerchantBreachNeu[] = {
    "{merchant}提示近期刷卡的顾客注意核对账单。",
    "{merchant}刷卡的事确认了吗？{bank}给我补发了新卡。",
};
inline constexpr std::string_view kZhMerchantBreachPos[] = {
    "{bank}发现了{merchant}泄露导致的盗刷，马上就撤销了，点赞。",
};

inline constexpr std::string_view kZhFailureNeg[] = {
    "{city}的{merchant}一夜之间关门了，我卡里还有{loss}的预付款！",
    "到{merchant}门口一看，大门紧锁，员工说已经{n}个月没发工资了。",
    "{merchant}上周还在收定金，这周就跑路了，这不是诈骗吗？",
    "{merchant}的退款还没到，现在直接倒闭了，无语。",
    "{merchant}的会员损失好几千，电话没人接，太坑了。",
    "{merchant}没了，我{amount}的订单也没了。",
    "又气又难过，{merchant}收了钱一声不吭就关门了。",
};
inline constexpr std::string_view kZhFailureNeu[] = {
    "{city}的{merchant}好像永久关闭了。",
    "{merchant}倒闭了，怎么退款？可以找银行申请拒付吗？",
    "{merchant}门口贴了告示，说是“停业整顿”。",
};
inline constexpr std::string_view kZhFailurePos[] = {
    "还好{bank}帮我把{merchant}那笔{amount}的订单拒付成功了，谢谢！",
};

struct PostSet {
  Lang lang;
  Topic topic;
  Tone tone;
  Lines lines;
};
inline constexpr PostSet kPostSets[] = {
    {kEn, kService, kNegative, kEnServiceNeg},
    {kEn, kService, kNeutral, kEnServiceNeu},
    {kEn, kService, kPositive, kEnServicePos},
    {kEn, kApp, kNegative, kEnAppNeg},
    {kEn, kApp, kNeutral, kEnAppNeu},
    {kEn, kApp, kPositive, kEnAppPos},
    {kEn, kFees, kNegative, kEnFeesNeg},
    {kEn, kFees, kNeutral, kEnFeesNeu},
    {kEn, kFees, kPositive, kEnFeesPos},
    {kEn, kRates, kNegative, kEnRatesNeg},
    {kEn, kRates, kNeutral, kEnRatesNeu},
    {kEn, kRates, kPositive, kEnRatesPos},
    {kEn, kProducts, kNegative, kEnProductsNeg},
    {kEn, kProducts, kNeutral, kEnProductsNeu},
    {kEn, kProducts, kPositive, kEnProductsPos},
    {kEn, kStock, kNegative, kEnStockNeg},
    {kEn, kStock, kNeutral, kEnStockNeu},
    {kEn, kStock, kPositive, kEnStockPos},
    {kEn, kMerchantReview, kNegative, kEnMerchantNeg},
    {kEn, kMerchantReview, kNeutral, kEnMerchantNeu},
    {kEn, kMerchantReview, kPositive, kEnMerchantPos},
    {kEn, kMarket, kNegative, kEnMarketNeg},
    {kEn, kMarket, kNeutral, kEnMarketNeu},
    {kEn, kMarket, kPositive, kEnMarketPos},
    {kEn, kOutage, kNegative, kEnOutageNeg},
    {kEn, kOutage, kNeutral, kEnOutageNeu},
    {kEn, kOutage, kPositive, kEnOutagePos},
    {kEn, kFraudWave, kNegative, kEnFraudNeg},
    {kEn, kFraudWave, kNeutral, kEnFraudNeu},
    {kEn, kFraudWave, kPositive, kEnFraudPos},
    {kEn, kDataBreach, kNegative, kEnBreachNeg},
    {kEn, kDataBreach, kNeutral, kEnBreachNeu},
    {kEn, kDataBreach, kPositive, kEnBreachPos},
    {kEn, kMerchantBreach, kNegative, kEnMerchantBreachNeg},
    {kEn, kMerchantBreach, kNeutral, kEnMerchantBreachNeu},
    {kEn, kMerchantBreach, kPositive, kEnMerchantBreachPos},
    {kEn, kMerchantFailure, kNegative, kEnFailureNeg},
    {kEn, kMerchantFailure, kNeutral, kEnFailureNeu},
    {kEn, kMerchantFailure, kPositive, kEnFailurePos},
    {kZh, kService, kNegative, kZhServiceNeg},
    {kZh, kService, kNeutral, kZhServiceNeu},
    {kZh, kService, kPositive, kZhServicePos},
    {kZh, kApp, kNegative, kZhAppNeg},
    {kZh, kApp, kNeutral, kZhAppNeu},
    {kZh, kApp, kPositive, kZhAppPos},
    {kZh, kFees, kNegative, kZhFeesNeg},
    {kZh, kFees, kNeutral, kZhFeesNeu},
    {kZh, kFees, kPositive, kZhFeesPos},
    {kZh, kRates, kNegative, kZhRatesNeg},
    {kZh, kRates, kNeutral, kZhRatesNeu},
    {kZh, kRates, kPositive, kZhRatesPos},
    {kZh, kProducts, kNegative, kZhProductsNeg},
    {kZh, kProducts, kNeutral, kZhProductsNeu},
    {kZh, kProducts, kPositive, kZhProductsPos},
    {kZh, kStock, kNegative, kZhStockNeg},
    {kZh, kStock, kNeutral, kZhStockNeu},
    {kZh, kStock, kPositive, kZhStockPos},
    {kZh, kMerchantReview, kNegative, kZhMerchantNeg},
    {kZh, kMerchantReview, kNeutral, kZhMerchantNeu},
    {kZh, kMerchantReview, kPositive, kZhMerchantPos},
    {kZh, kMarket, kNegative, kZhMarketNeg},
    {kZh, kMarket, kNeutral, kZhMarketNeu},
    {kZh, kMarket, kPositive, kZhMarketPos},
    {kZh, kOutage, kNegative, kZhOutageNeg},
    {kZh, kOutage, kNeutral, kZhOutageNeu},
    {kZh, kOutage, kPositive, kZhOutagePos},
    {kZh, kFraudWave, kNegative, kZhFraudNeg},
    {kZh, kFraudWave, kNeutral, kZhFraudNeu},
    {kZh, kFraudWave, kPositive, kZhFraudPos},
    {kZh, kDataBreach, kNegative, kZhBreachNeg},
    {kZh, kDataBreach, kNeutral, kZhBreachNeu},
    {kZh, kDataBreach, kPositive, kZhBreachPos},
    {kZh, kMerchantBreach, kNegative, kZhMerchantBreachNeg},
    {kZh, kMerchantBreach, kNeutral, kZhMerchantBreachNeu},
    {kZh, kMerchantBreach, kPositive, kZhMerchantBreachPos},
    {kZh, kMerchantFailure, kNegative, kZhFailureNeg},
    {kZh, kMerchantFailure, kNeutral, kZhFailureNeu},
    {kZh, kMerchantFailure, kPositive, kZhFailurePos},
};

// ============================================================================ hard cases
// Labelled by the intended sentiment: sarcasm reads positive and means negative, negation
// flips a word ("not bad"), mixed posts weigh one side more.

inline constexpr std::string_view kEnHardBankNeg[] = {
    "Oh great, the {bank} app is down again right on payday. Just what I needed.",
    "Love how {bank} charges me {fee} yuan to look at my own money. Brilliant.",
    "Wow, only {minutes} minutes on hold with {bank} today. A new record!",
    "Thanks {bank} for the surprise {feeitem}. Really made my day.",
    "{bank} customer service is \"working on it\". Third week running.",
    "Can't say I'm happy with how the new {bank} app handles {feature}.",
    "The staff at {bank} were polite, but nobody could actually fix my problem. {days} days "
    "and counting.",
    "Nice branch, shiny app, and still {bank} can't process a simple transfer.",
};
inline constexpr std::string_view kEnHardBankNeu[] = {
    "{bank}: great app, awful hold times. Evens out, I guess.",
    "Some people love {bank}, some hate it. For me it's just a bank.",
    "Not great, not terrible. {bank} does what a bank does.",
};
inline constexpr std::string_view kEnHardBankPos[] = {
    "Not bad at all: {bank} sorted out my {product} in {minutes} minutes.",
    "I didn't expect much from {bank}, but their app handles {feature} really well.",
    "No complaints about {bank} so far, and that's rare for a bank.",
    "The fees at {bank} are a bit high, but the service more than makes up for it.",
    "Never thought I'd say this about a bank, but {bank} made it painless.",
};
inline constexpr std::string_view kEnHardMerchantNeg[] = {
    "Five stars for the decor at {merchant}. Zero for everything else.",
    "Sure, {merchant} is cheap. Now I know why.",
    "Not going back to {merchant} any time soon.",
    "Lovely staff at {merchant}, shame about the {item}.",
};
inline constexpr std::string_view kEnHardMerchantPos[] = {
    "Not the cheapest, but {merchant} never disappoints.",
    "Didn't think I'd like {merchant}, but I was wrong. Will be back.",
    "Can't fault {merchant}, honestly.",
    "A bit of a queue at {merchant}, but the {item} is worth it.",
};
inline constexpr std::string_view kEnHardStockNeg[] = {
    "\"Hold {stock} for the long term\", they said. Down {pct} since.",
    "Great, {stock} ({code}) \"bottomed out\" again. That's the fourth bottom this year.",
    "Nothing like watching {stock} ({code}) erase a month of gains in one day.",
};
inline constexpr std::string_view kEnHardStockPos[] = {
    "Everyone panicked about {stock} ({code}); I didn't sell. Not regretting it.",
    "Not a bad week to hold {stock} ({code}), up {pct}.",
    "Can't complain about {stock} ({code}) this quarter.",
};

inline constexpr std::string_view kZhHardBankNeg[] = {
    "{bank}真是厉害，发工资当天App准时崩溃，一秒不差。",
    "感谢{bank}又扣了我{fee}元{feeitem}，真是贴心呢。",
    "{bank}客服排队{minutes}分钟，体验感拉满了呢🙂",
    "呵呵，{bank}说“正在处理”，已经{days}天了。",
    "{bank}的效率我是服气的，一个简单的{product}办了{days}天。",
    "{bank}的新版{feature}，我实在喜欢不起来。",
    "不是我挑剔，{bank}这服务真的说不过去。",
    "{bank}的柜员态度挺好的，可问题就是解决不了，跑了{n}趟了。",
};
inline constexpr std::string_view kZhHardBankNeu[] = {
    "{bank}有人夸有人骂，我觉得就是个普通银行。",
    "{bank}App好用是好用，就是客服难打通，扯平了。",
    "谈不上好也谈不上坏，{bank}就那样吧。",
};
inline constexpr std::string_view kZhHardBankPos[] = {
    "没想到{bank}这么快就把{product}办好了，不错不错。",
    "本来没抱什么希望，{bank}的{feature}居然挺好用。",
    "用了{bank}{n}年，没什么可挑剔的。",
    "{bank}的手续费是贵了点，但服务确实没话说。",
    "不得不承认，{bank}这次让我刮目相看。",
};
inline constexpr std::string_view kZhHardMerchantNeg[] = {
    "{merchant}装修是真好看，别的就算了。",
    "{merchant}便宜是便宜，一分钱一分货吧。",
    "短时间内不会再去{merchant}了。",
    "{merchant}的店员人挺好，可惜{item}不行。",
};
inline constexpr std::string_view kZhHardMerchantPos[] = {
    "{merchant}不算便宜，但从来没让人失望过。",
    "本来不想去{merchant}的，结果真香。",
    "{merchant}挑不出什么毛病。",
    "{merchant}要排会儿队，但{item}值得。",
};
inline constexpr std::string_view kZhHardStockNeg[] = {
    "说好的{stock}长期持有呢？又跌了{pct}。",
    "{stock}({code})又“见底”了，这是今年第几个底了？",
    "一天就把{stock}({code})一个月的涨幅跌没了，真是“稳健”。",
};
inline constexpr std::string_view kZhHardStockPos[] = {
    "大家都在割{stock}({code})的时候我没卖，现在一点不后悔。",
    "拿着{stock}({code})这周还不错，涨了{pct}。",
    "{stock}({code})这个季度没什么可抱怨的。",
};

// NOLINTEND(bugprone-suspicious-missing-comma)

struct HardSet {
  Lang lang;
  HardKind kind;
  Tone tone;
  Lines lines;
};
inline constexpr HardSet kHardSets[] = {
    {kEn, kHardBank, kNegative, kEnHardBankNeg},
    {kEn, kHardBank, kNeutral, kEnHardBankNeu},
    {kEn, kHardBank, kPositive, kEnHardBankPos},
    {kEn, kHardMerchant, kNegative, kEnHardMerchantNeg},
    {kEn, kHardMerchant, kPositive, kEnHardMerchantPos},
    {kEn, kHardStock, kNegative, kEnHardStockNeg},
    {kEn, kHardStock, kPositive, kEnHardStockPos},
    {kZh, kHardBank, kNegative, kZhHardBankNeg},
    {kZh, kHardBank, kNeutral, kZhHardBankNeu},
    {kZh, kHardBank, kPositive, kZhHardBankPos},
    {kZh, kHardMerchant, kNegative, kZhHardMerchantNeg},
    {kZh, kHardMerchant, kPositive, kZhHardMerchantPos},
    {kZh, kHardStock, kNegative, kZhHardStockNeg},
    {kZh, kHardStock, kPositive, kZhHardStockPos},
};

// ============================================================================ news

inline constexpr NewsItem kEnNewsProductNeg[] = {
    {"Investors fault {bank} over {investment} returns",
     "Several investors say the {investment} they bought from {bank} last year returned far less "
     "than advertised.\n{bank} said returns depend on market conditions and that the risks were "
     "disclosed in the contract."},
};
inline constexpr NewsItem kEnNewsProductNeu[] = {
    {"{bank} launches new {investment}",
     "{bank} has launched a new {investment} with a minimum of {minimum}, available through its "
     "mobile app and branches.\nThe bank said the product targets retail customers in {city} "
     "and other large cities."},
    {"{bank} revamps mobile app",
     "{bank} released a new version of its mobile banking app this week, with faster "
     "{feature} and a simpler login.\nThe bank said more than half of its retail transactions "
     "now go through the app."},
    {"{bank} to offer online loans to small businesses",
     "{bank} said it will offer online business loans to small-business owners from next "
     "month.\n"
     "Applications can be made online, with decisions promised within {days} days."},
};
inline constexpr NewsItem kEnNewsProductPos[] = {
    {"{bank}'s new {investment} draws strong demand",
     "Subscriptions to the new {investment} from {bank} passed {bigamount} in its first week, the "
     "bank said.\nAnalysts credited flexible terms and a low entry threshold for the strong "
     "response."},
    {"{bank} wins praise for app overhaul",
     "Users have welcomed the overhaul of the {bank} mobile app, with reviewers singling out "
     "{feature}.\nThe app's rating in major app stores rose sharply after the update."},
};
inline constexpr NewsItem kEnNewsRatesNeg[] = {
    {"{bank} loan rates above peers draw scrutiny",
     "Borrowers report that {bank} quotes personal-loan rates from {rate2}, above several "
     "peers including {bank2}.\nThe bank said its pricing reflects individual risk "
     "assessments."},
};
inline constexpr NewsItem kEnNewsRatesNeu[] = {
    {"{bank} trims deposit rates",
     "{bank} lowered its listed deposit rates from today, with the one-year fixed rate now at "
     "{rate}.\nAnalysts said the move was in line with the wider industry."},
    {"{bank} follows peers in adjusting deposit rates",
     "Following a similar move by {bank2}, {bank} adjusted its deposit rates, setting the "
     "three-year fixed rate at {rate}."},
};
inline constexpr NewsItem kEnNewsRatesPos[] = {
    {"{bank} raises rates on large certificates of deposit",
     "{bank} raised the rate on its large-denomination certificates of deposit to {rate}, "
     "among the highest in the market.\nThe move is expected to attract savers looking for "
     "stable returns."},
};
inline constexpr NewsItem kEnNewsResultsNeg[] = {
    {"{bank} {quarter} profit falls {pct}",
     "{bank} reported {quarter} net profit of {bigamount}, down {pct} from a year earlier.\n"
     "Narrower interest margins weighed on revenue, and the non-performing loan ratio edged "
     "up."},
};
inline constexpr NewsItem kEnNewsResultsNeu[] = {
    {"{bank} publishes {quarter} results",
     "{bank} reported {quarter} operating income of {bigamount}, broadly unchanged from a year "
     "earlier.\nAsset quality was stable, the bank said."},
};
inline constexpr NewsItem kEnNewsResultsPos[] = {
    {"{bank} {quarter} net profit rises {pct}",
     "{bank} reported {quarter} net profit of {bigamount}, up {pct} year on year.\nThe "
     "non-performing loan ratio fell from the previous quarter, and fee income grew strongly."},
};
inline constexpr NewsItem kEnNewsMarketNeg[] = {
    {"{sector} slide; {stock} down {pct}",
     "{sector} weakened across the board today, with {stock} ({code}) closing down {pct}.\n"
     "Traders pointed to tighter liquidity and a drop in risk appetite."},
    {"{stock} shares fall after regulator's inquiry",
     "Shares of {stock} ({code}) fell {pct} after the company received an inquiry letter from "
     "the exchange about its accounts.\nThe company said it would respond within the required "
     "period."},
};
inline constexpr NewsItem kEnNewsMarketNeu[] = {
    {"Market wrap: {sector} range-bound, {stock} flat",
     "Markets traded in a narrow range today, with {sector} mixed and {stock} ({code}) closing "
     "little changed.\nInvestors are waiting for next week's economic data."},
};
inline constexpr NewsItem kEnNewsMarketPos[] = {
    {"{sector} rally; {stock} up {pct}",
     "{sector} rallied in afternoon trading, with {stock} ({code}) closing up {pct} on heavy "
     "volume.\nAnalysts said improving policy expectations lifted sentiment."},
    {"{stock} forecasts higher profit",
     "{stock} ({code}) expects a strong rise in full-year profit, it said in a filing, sending "
     "its shares up {pct}."},
};

inline constexpr NewsItem kEnNewsOutageNeg[] = {
    {"{bank} mobile banking outage leaves customers unable to pay",
     "Customers of {bank} reported that they could not log in to mobile banking, make "
     "transfers or pay by card.\n{bank} said a system fault had occurred and engineers were "
     "working to restore service; the cause is under investigation."},
    {"{bank} systems down for hours, payments disrupted",
     "A system failure at {bank} disrupted card payments and transfers for several hours, with "
     "complaints piling up on social media.\nMerchants in {city} said many customers had to "
     "pay by other means."},
};
inline constexpr NewsItem kEnNewsOutageFollowUpNeu[] = {
    {"{bank} says systems fully restored",
     "{bank} said the system fault had been fixed and all services were back to normal.\nThe "
     "bank apologised to affected customers and said fees caused by the disruption would be "
     "waived."},
};
inline constexpr NewsItem kEnNewsFraudNeg[] = {
    {"{bank} customers report wave of card fraud",
     "Customers of {bank} in {city} and other cities have reported unauthorised card "
     "transactions, ranging from small amounts to several thousand yuan.\n{bank} said it had "
     "blocked suspicious transactions and opened an investigation."},
};
inline constexpr NewsItem kEnNewsFraudFollowUpNeu[] = {
    {"Police warn of scam messages posing as {bank}",
     "Police in {city} warned residents about text messages that impersonate {bank} and ask "
     "for verification codes.\nCustomers are advised never to share codes or passwords."},
};
inline constexpr NewsItem kEnNewsBreachNeg[] = {
    {"{bank} hit by customer data leak",
     "Names, phone numbers and ID numbers of some {bank} customers have been offered for sale "
     "online, according to posts seen by reporters.\n{bank} said it had launched an internal "
     "investigation and informed regulators."},
    {"Concern grows over {bank} data breach",
     "Customers of {bank} say they are receiving targeted scam calls after the bank's data "
     "leak.\nConsumer groups urged the bank to compensate those affected."},
};
inline constexpr NewsItem kEnNewsBreachFollowUpNeg[] = {
    {"Regulator summons {bank} over data breach",
     "The regulator summoned executives of {bank} over the recent data leak and ordered a "
     "review of its security controls.\nPenalties have not been ruled out."},
};
inline constexpr NewsItem kEnNewsBreachFollowUpNeu[] = {
    {"{bank} updates customers on data incident",
     "{bank} said it had identified the source of the data leak and closed it.\nAffected "
     "customers will be contacted and offered free card replacement."},
};
inline constexpr NewsItem kEnNewsMerchantBreachNeg[] = {
    {"Payment terminals at {merchant} breached, card data may be exposed",
     "Card details of customers who paid at {merchant} may have been stolen after its payment "
     "terminals were compromised.\nSeveral banks, including {bank}, are reissuing affected "
     "cards."},
};
inline constexpr NewsItem kEnNewsFailureNeg[] = {
    {"{merchant} in {city} closes suddenly, prepaid customers left out of pocket",
     "{merchant} in {city} shut its doors without notice this week, leaving members with "
     "unused prepaid balances.\nSome customers said they had lost several thousand yuan and "
     "could not reach the owners."},
};
inline constexpr NewsItem kEnNewsFailureFollowUpNeu[] = {
    {"Authorities look into closure of {merchant}",
     "Market regulators in {city} said they were looking into the sudden closure of "
     "{merchant}.\nCustomers who paid by card can ask their bank about a chargeback."},
};

inline constexpr NewsItem kZhNewsProductNeg[] = {
    {"{bank}{investment}收益不及预期 投资者不满",
     "多名投资者反映，去年购买的{bank}{investment}实际收益明显低于宣传。\n{bank}回应称，产品收益受"
     "市场波动影响，相关风险已在合同中充分提示。"},
};
inline constexpr NewsItem kZhNewsProductNeu[] = {
    {"{bank}推出新款{investment}",
     "{bank}日前宣布推出新款{investment}，起购金额{minimum}，可通过手机银行和网点办理。\n该行相关"
     "负责人表示，新产品主要面向{city}等城市的个人客户。"},
    {"{bank}手机银行改版上线",
     "{bank}本周发布新版手机银行，{feature}全面改版，登录流程也有所简化。\n该行表示，目前超过"
     "一半的零售交易已通过手机银行完成。"},
    {"{bank}将向小微企业推出线上经营贷",
     "{bank}表示，下月起将面向小微企业主推出线上经营贷。\n客户可在线提交申请，审批结果承诺在"
     "{days}个工作日内给出。"},
};
inline constexpr NewsItem kZhNewsProductPos[] = {
    {"{bank}新款{investment}上线首周认购火爆",
     "据{bank}披露，新款{investment}上线首周认购金额突破{bigamount}。\n业内人士认为，期限灵活、门槛"
     "较低是产品受到欢迎的主要原因。"},
    {"{bank}手机银行改版获用户好评",
     "{bank}手机银行改版后获得不少用户好评，{feature}速度明显提升。\n更新后，该应用在各大应用"
     "商店的评分显著上升。"},
};
inline constexpr NewsItem kZhNewsRatesNeg[] = {
    {"{bank}贷款利率高于同业引关注",
     "有借款人反映，{bank}个人贷款利率{rate2}起，高于{bank2}等多家同业。\n{bank}表示，贷款定价"
     "基于对客户的个体风险评估。"},
};
inline constexpr NewsItem kZhNewsRatesNeu[] = {
    {"{bank}下调部分存款挂牌利率",
     "{bank}今日起调整人民币存款挂牌利率，一年期定期存款利率调整为{rate}。\n分析人士指出，此次"
     "调整与行业整体趋势一致。"},
    {"多家银行调整存款利率 {bank}跟进",
     "继{bank2}之后，{bank}也宣布调整存款利率，三年期定期存款利率为{rate}。"},
};
inline constexpr NewsItem kZhNewsRatesPos[] = {
    {"{bank}上调大额存单利率",
     "{bank}将大额存单利率上调至{rate}，在市场上处于较高水平。\n业内人士认为，此举有望吸引追求"
     "稳健收益的储户。"},
};
inline constexpr NewsItem kZhNewsResultsNeg[] = {
    {"{bank}{quarter}净利润同比下滑{pct}",
     "{bank}{quarter}实现净利润{bigamount}，同比下降{pct}。\n受净息差收窄影响，该行营收承压，"
     "不良贷款率小幅上升。"},
};
inline constexpr NewsItem kZhNewsResultsNeu[] = {
    {"{bank}发布{quarter}经营数据",
     "{bank}{quarter}实现营业收入{bigamount}，与去年同期基本持平。\n该行表示资产质量保持稳定。"},
};
inline constexpr NewsItem kZhNewsResultsPos[] = {
    {"{bank}{quarter}净利润同比增长{pct}",
     "{bank}发布{quarter}业绩报告，实现净利润{bigamount}，同比增长{pct}。\n不良贷款率较上季度末"
     "有所下降，手续费收入增长明显。"},
};
inline constexpr NewsItem kZhNewsMarketNeg[] = {
    {"{sector}走弱 {stock}跌{pct}",
     "今日{sector}整体走弱，{stock}({code})收跌{pct}。\n市场人士表示，短期资金面偏紧，投资者风险"
     "偏好下降。"},
    {"{stock}收到交易所问询函 股价下挫",
     "{stock}({code})收到交易所关于财务数据的问询函，股价下跌{pct}。\n公司表示将在规定期限内"
     "回复。"},
};
inline constexpr NewsItem kZhNewsMarketNeu[] = {
    {"收评：{sector}窄幅震荡 {stock}平收",
     "今日市场窄幅震荡，{sector}涨跌互现，{stock}({code})收盘基本持平。\n投资者等待下周公布的"
     "经济数据。"},
};
inline constexpr NewsItem kZhNewsMarketPos[] = {
    {"{sector}午后走强 {stock}涨{pct}",
     "今日{sector}午后集体走强，{stock}({code})收涨{pct}，成交额明显放大。\n分析人士认为，政策"
     "预期改善提振了市场情绪。"},
    {"{stock}发布业绩预告 全年净利润预增",
     "{stock}({code})发布公告称，预计全年净利润大幅增长，股价应声上涨{pct}。"},
};

inline constexpr NewsItem kZhNewsOutageNeg[] = {
    {"{bank}手机银行突发故障 大量用户无法转账",
     "今日多名{bank}客户反映，手机银行无法登录，转账和刷卡支付均告失败。\n{bank}客服表示，系统"
     "出现异常，技术人员正在紧急处理，具体原因仍在排查中。"},
    {"{bank}系统故障持续数小时 客户支付受阻",
     "{bank}系统故障导致刷卡支付和转账中断数小时，社交媒体上投诉不断。\n{city}多家商户表示，不少"
     "顾客只能改用其他方式付款。"},
};
inline constexpr NewsItem kZhNewsOutageFollowUpNeu[] = {
    {"{bank}：系统已全面恢复",
     "{bank}发布公告称，此前出现的系统故障已全面修复，各项业务恢复正常。\n该行向受影响客户致歉，"
     "并表示因故障产生的相关费用将予以减免。"},
};
inline constexpr NewsItem kZhNewsFraudNeg[] = {
    {"多地{bank}客户反映银行卡被盗刷",
     "近日，{city}等地多名{bank}客户反映银行卡出现异常消费，金额从几十元到数千元不等。\n{bank}"
     "表示已拦截可疑交易并展开调查，提醒客户不要向任何人透露验证码。"},
};
inline constexpr NewsItem kZhNewsFraudFollowUpNeu[] = {
    {"警方提示：警惕冒充{bank}的诈骗短信",
     "{city}警方提醒市民，近期出现冒充{bank}发送的短信，以“账户异常”为由索要验证码。\n银行"
     "不会索要密码或验证码，市民如有疑问应拨打官方客服电话核实。"},
};
inline constexpr NewsItem kZhNewsBreachNeg[] = {
    {"{bank}被曝客户信息泄露",
     "有网友爆料称，{bank}部分客户的姓名、手机号和身份证号在网上被售卖。\n{bank}回应称已启动"
     "内部调查，并已向监管部门报告。"},
    {"{bank}数据泄露事件发酵 客户担忧资金安全",
     "{bank}客户信息泄露事件持续发酵，多名客户表示接到精准诈骗电话。\n消费者权益组织呼吁该行"
     "对受影响客户作出赔偿。"},
};
inline constexpr NewsItem kZhNewsBreachFollowUpNeg[] = {
    {"监管部门就数据泄露事件约谈{bank}",
     "监管部门就近期客户信息泄露事件约谈{bank}高管，要求全面排查安全隐患。\n不排除对该行作出"
     "处罚。"},
};
inline constexpr NewsItem kZhNewsBreachFollowUpNeu[] = {
    {"{bank}通报数据泄露事件调查进展",
     "{bank}表示已查明信息泄露源头并完成封堵。\n该行将逐一联系受影响客户，并提供免费换卡服务。"},
};
inline constexpr NewsItem kZhNewsMerchantBreachNeg[] = {
    {"{merchant}收银系统遭入侵 顾客银行卡信息或外泄",
     "{merchant}的收银终端近日遭到入侵，近期在该商户刷卡的顾客银行卡信息可能已经泄露。\n包括"
     "{bank}在内的多家银行正在为受影响客户换发新卡。"},
};
inline constexpr NewsItem kZhNewsFailureNeg[] = {
    {"{city}{merchant}突然闭店 消费者预付款难退",
     "近日，位于{city}的{merchant}突然停业，不少办理了会员卡的消费者找上门来。\n有消费者称卡内"
     "余额还有数千元，目前无法联系到店方负责人。"},
};
inline constexpr NewsItem kZhNewsFailureFollowUpNeu[] = {
    {"{merchant}闭店事件：市场监管部门已介入",
     "{city}市场监管部门表示，已介入调查{merchant}突然闭店一事。\n刷卡消费的顾客可联系发卡银行"
     "咨询拒付事宜。"},
};

struct NewsSet {
  Lang lang;
  NewsTopic topic;
  Tone tone;
  std::span<const NewsItem> items;
};
inline constexpr NewsSet kNewsSets[] = {
    {kEn, kNewsProduct, kNegative, kEnNewsProductNeg},
    {kEn, kNewsProduct, kNeutral, kEnNewsProductNeu},
    {kEn, kNewsProduct, kPositive, kEnNewsProductPos},
    {kEn, kNewsRates, kNegative, kEnNewsRatesNeg},
    {kEn, kNewsRates, kNeutral, kEnNewsRatesNeu},
    {kEn, kNewsRates, kPositive, kEnNewsRatesPos},
    {kEn, kNewsResults, kNegative, kEnNewsResultsNeg},
    {kEn, kNewsResults, kNeutral, kEnNewsResultsNeu},
    {kEn, kNewsResults, kPositive, kEnNewsResultsPos},
    {kEn, kNewsMarket, kNegative, kEnNewsMarketNeg},
    {kEn, kNewsMarket, kNeutral, kEnNewsMarketNeu},
    {kEn, kNewsMarket, kPositive, kEnNewsMarketPos},
    {kEn, kNewsOutage, kNegative, kEnNewsOutageNeg},
    {kEn, kNewsOutageFollowUp, kNeutral, kEnNewsOutageFollowUpNeu},
    {kEn, kNewsFraud, kNegative, kEnNewsFraudNeg},
    {kEn, kNewsFraudFollowUp, kNeutral, kEnNewsFraudFollowUpNeu},
    {kEn, kNewsBreach, kNegative, kEnNewsBreachNeg},
    {kEn, kNewsBreachFollowUp, kNegative, kEnNewsBreachFollowUpNeg},
    {kEn, kNewsBreachFollowUp, kNeutral, kEnNewsBreachFollowUpNeu},
    {kEn, kNewsMerchantBreach, kNegative, kEnNewsMerchantBreachNeg},
    {kEn, kNewsMerchantFailure, kNegative, kEnNewsFailureNeg},
    {kEn, kNewsMerchantFailureFollowUp, kNeutral, kEnNewsFailureFollowUpNeu},
    {kZh, kNewsProduct, kNegative, kZhNewsProductNeg},
    {kZh, kNewsProduct, kNeutral, kZhNewsProductNeu},
    {kZh, kNewsProduct, kPositive, kZhNewsProductPos},
    {kZh, kNewsRates, kNegative, kZhNewsRatesNeg},
    {kZh, kNewsRates, kNeutral, kZhNewsRatesNeu},
    {kZh, kNewsRates, kPositive, kZhNewsRatesPos},
    {kZh, kNewsResults, kNegative, kZhNewsResultsNeg},
    {kZh, kNewsResults, kNeutral, kZhNewsResultsNeu},
    {kZh, kNewsResults, kPositive, kZhNewsResultsPos},
    {kZh, kNewsMarket, kNegative, kZhNewsMarketNeg},
    {kZh, kNewsMarket, kNeutral, kZhNewsMarketNeu},
    {kZh, kNewsMarket, kPositive, kZhNewsMarketPos},
    {kZh, kNewsOutage, kNegative, kZhNewsOutageNeg},
    {kZh, kNewsOutageFollowUp, kNeutral, kZhNewsOutageFollowUpNeu},
    {kZh, kNewsFraud, kNegative, kZhNewsFraudNeg},
    {kZh, kNewsFraudFollowUp, kNeutral, kZhNewsFraudFollowUpNeu},
    {kZh, kNewsBreach, kNegative, kZhNewsBreachNeg},
    {kZh, kNewsBreachFollowUp, kNegative, kZhNewsBreachFollowUpNeg},
    {kZh, kNewsBreachFollowUp, kNeutral, kZhNewsBreachFollowUpNeu},
    {kZh, kNewsMerchantBreach, kNegative, kZhNewsMerchantBreachNeg},
    {kZh, kNewsMerchantFailure, kNegative, kZhNewsFailureNeg},
    {kZh, kNewsMerchantFailureFollowUp, kNeutral, kZhNewsFailureFollowUpNeu},
};

// A sentence appended to the first news items about an incident at a listed bank.
inline constexpr std::string_view kStockReactionSentence[kLangCount] = {
    "受此消息影响，{stock}({code})股价一度下跌{pct}。",
    "Shares of {stock} ({code}) fell as much as {pct} on the news.",
};

// ============================================================================ framing

struct ToneLines {
  Lang lang;
  Tone tone;
  Lines lines;
};

// Short sentences put before a post (English ones are whole sentences).
inline constexpr std::string_view kEnOpenNeg[] = {"Ugh.", "Unbelievable.", "Rant incoming.",
                                                  "Not again.", "Seriously."};
inline constexpr std::string_view kEnOpenNeu[] = {"FYI.", "Heads up.", "Quick one."};
inline constexpr std::string_view kEnOpenPos[] = {"Wow.", "Credit where it's due.",
                                                  "Good news for once.", "Happy customer here."};
inline constexpr std::string_view kZhOpenNeg[] = {"吐槽一下：", "唉，", "真的服了，", "无语，",
                                                  "气死了，"};
inline constexpr std::string_view kZhOpenNeu[] = {"记录一下：", "分享一下：", "顺便问下，"};
inline constexpr std::string_view kZhOpenPos[] = {"必须夸一下：", "开心，", "分享一下：",
                                                  "说句实话，"};
inline constexpr ToneLines kOpeners[] = {
    {kEn, kNegative, kEnOpenNeg}, {kEn, kNeutral, kEnOpenNeu}, {kEn, kPositive, kEnOpenPos},
    {kZh, kNegative, kZhOpenNeg}, {kZh, kNeutral, kZhOpenNeu}, {kZh, kPositive, kZhOpenPos},
};

inline constexpr std::string_view kEnCloseNeg[] = {"Not impressed.",
                                                   "Never again.",
                                                   "Absolutely ridiculous.",
                                                   "So frustrating.",
                                                   "Avoid.",
                                                   "Terrible.",
                                                   "😡",
                                                   "Fed up."};
inline constexpr std::string_view kEnCloseNeu[] = {"Any thoughts?", "Just FYI.",
                                                   "Curious what others think.", "We'll see."};
inline constexpr std::string_view kEnClosePos[] = {"Highly recommend!", "Great job.", "Love it.",
                                                   "Five stars.",       "👍",          "Impressed."};
inline constexpr std::string_view kZhCloseNeg[] = {
    "差评。", "真的无语了。", "太失望了。", "大家避雷！", "😡", "服了。"};
inline constexpr std::string_view kZhCloseNeu[] = {"大家怎么看？", "记录一下。", "有了解的朋友吗？",
                                                   "先观望。"};
inline constexpr std::string_view kZhClosePos[] = {"点赞！",     "必须好评👍", "推荐！",
                                                   "五星好评。", "很满意。",  "❤️"};
inline constexpr ToneLines kClosers[] = {
    {kEn, kNegative, kEnCloseNeg}, {kEn, kNeutral, kEnCloseNeu}, {kEn, kPositive, kEnClosePos},
    {kZh, kNegative, kZhCloseNeg}, {kZh, kNeutral, kZhCloseNeu}, {kZh, kPositive, kZhClosePos},
};

// Closers of posts about stocks and the market (investor talk, not reviews).
inline constexpr std::string_view kEnStockCloseNeg[] = {"Ouch.", "Painful.", "Cutting losses.",
                                                        "📉"};
inline constexpr std::string_view kEnStockCloseNeu[] = {"Watching.", "DYOR.", "Thoughts?"};
inline constexpr std::string_view kEnStockClosePos[] = {"Bullish.", "🚀", "Nice.", "📈"};
inline constexpr std::string_view kZhStockCloseNeg[] = {"快跑。", "割了。", "心累。", "📉"};
inline constexpr std::string_view kZhStockCloseNeu[] = {"观望。", "仅供参考。", "大家怎么看？"};
inline constexpr std::string_view kZhStockClosePos[] = {"看多！", "冲！", "稳了。", "📈"};
inline constexpr ToneLines kStockClosers[] = {
    {kEn, kNegative, kEnStockCloseNeg}, {kEn, kNeutral, kEnStockCloseNeu},
    {kEn, kPositive, kEnStockClosePos}, {kZh, kNegative, kZhStockCloseNeg},
    {kZh, kNeutral, kZhStockCloseNeu},  {kZh, kPositive, kZhStockClosePos},
};

// A later line appended to complaints and service posts, on a line of its own.
inline constexpr std::string_view kEnUpdateNeg[] = {
    "Update: still no reply.", "Edit: day {days}, nothing has changed.",
    "Update: they closed my ticket without fixing anything."};
inline constexpr std::string_view kEnUpdateNeu[] = {
    "Edit: someone suggested trying a branch instead.", "Update: will report back."};
inline constexpr std::string_view kEnUpdatePos[] = {"Update: all sorted now, thanks to the team.",
                                                    "Edit: they even called to follow up. Nice."};
inline constexpr std::string_view kZhUpdateNeg[] = {"更新：还是没人回复。",
                                                    "补充：已经第{days}天了，问题依旧。",
                                                    "更新：工单被关了，问题根本没解决。"};
inline constexpr std::string_view kZhUpdateNeu[] = {"补充：有人说去网点办更快。",
                                                    "更新：有结果了再来说。"};
inline constexpr std::string_view kZhUpdatePos[] = {"更新：已经全部处理好了，谢谢！",
                                                    "补充：后来还专门回访了，很贴心。"};
inline constexpr ToneLines kUpdates[] = {
    {kEn, kNegative, kEnUpdateNeg}, {kEn, kNeutral, kEnUpdateNeu}, {kEn, kPositive, kEnUpdatePos},
    {kZh, kNegative, kZhUpdateNeg}, {kZh, kNeutral, kZhUpdateNeu}, {kZh, kPositive, kZhUpdatePos},
};

// ============================================================================ vocabulary

struct Vocabulary {
  Lines zh, en;
};

inline constexpr std::string_view kZhFeatures[] = {
    "转账",     "扫码支付", "人脸识别登录", "信用卡还款", "理财频道",
    "账单查询", "跨行转账", "生活缴费",     "指纹登录",   "手机号转账"};
inline constexpr std::string_view kEnFeatures[] = {
    "transfers",         "QR payments",         "face login",          "card repayments",
    "wealth management", "statement downloads", "interbank transfers", "bill payments",
    "fingerprint login", "pay-by-phone"};
inline constexpr std::string_view kZhProducts[] = {"大额存单", "信用卡", "理财产品", "消费贷",
                                                   "基金定投", "房贷",   "定期存款", "白金卡"};
inline constexpr std::string_view kEnProducts[] = {
    "certificate of deposit", "credit card", "wealth product", "personal loan",
    "fund savings plan",      "mortgage",    "fixed deposit",  "platinum card"};
// Savings and investment products (they have returns and minimums) and credit products
// (they are applied for and approved).
inline constexpr std::string_view kZhInvestments[] = {"大额存单", "理财产品", "基金定投计划",
                                                      "定期存款", "结构性存款"};
inline constexpr std::string_view kEnInvestments[] = {"certificate of deposit", "wealth product",
                                                      "fund savings plan", "fixed deposit",
                                                      "structured deposit"};
inline constexpr std::string_view kZhCredits[] = {"信用卡", "消费贷", "房贷", "白金卡"};
inline constexpr std::string_view kEnCredits[] = {"credit card", "personal loan", "mortgage",
                                                  "platinum card"};
inline constexpr std::string_view kZhFeeItems[] = {
    "跨行转账手续费", "年费", "小额账户管理费", "短信提醒费", "境外取现手续费", "挂失费"};
// All start with a consonant sound: templates write "a {feeitem}".
inline constexpr std::string_view kEnFeeItems[] = {
    "cross-bank transfer fee", "yearly card fee",        "small-balance fee",
    "text alert fee",          "foreign withdrawal fee", "card replacement fee"};
inline constexpr std::string_view kZhStaff[] = {"柜员", "客户经理", "大堂经理", "理财经理"};
inline constexpr std::string_view kEnStaff[] = {"teller", "relationship manager", "branch manager",
                                                "advisor"};
inline constexpr std::string_view kZhRoads[] = {"人民路",   "中山路",   "解放路", "建设路",
                                                "滨江大道", "世纪大道", "长江路", "和平路"};
inline constexpr std::string_view kEnRoads[] = {
    "Renmin Road",     "Zhongshan Road", "Jiefang Road",    "Jianshe Road",
    "Binjiang Avenue", "Century Avenue", "Changjiang Road", "Heping Road"};

inline constexpr Vocabulary kFeatureWords = {kZhFeatures, kEnFeatures};
inline constexpr Vocabulary kProductWords = {kZhProducts, kEnProducts};
inline constexpr Vocabulary kInvestmentWords = {kZhInvestments, kEnInvestments};
inline constexpr Vocabulary kCreditWords = {kZhCredits, kEnCredits};
inline constexpr Vocabulary kFeeItemWords = {kZhFeeItems, kEnFeeItems};
inline constexpr Vocabulary kStaffWords = {kZhStaff, kEnStaff};
inline constexpr Vocabulary kRoadWords = {kZhRoads, kEnRoads};

// What a merchant of a purchase category sells and what its premises are called.
struct CategoryWords {
  std::string_view category;  // Categories() name
  std::string_view zh_item, zh_place, en_item, en_place;
};
inline constexpr CategoryWords kCategoryWords[] = {
    {"grocery", "生鲜", "超市", "produce", "store"},
    {"restaurants", "菜品", "餐厅", "food", "restaurant"},
    {"fast_food", "餐食", "店", "food", "place"},
    {"convenience", "商品", "便利店", "stuff", "shop"},
    {"fuel", "服务", "加油站", "service", "station"},
    {"pharmacy", "药品", "药店", "service", "pharmacy"},
    {"clothing", "衣服", "门店", "clothes", "store"},
    {"electronics", "产品", "门店", "gadgets", "store"},
    {"department_store", "商品", "商场", "merchandise", "store"},
    {"online_marketplace", "商品", "网店", "products", "shop"},
    {"digital_goods", "产品", "平台", "service", "platform"},
    {"airlines", "服务", "航空公司", "service", "airline"},
    {"hotels", "房间", "酒店", "rooms", "hotel"},
    {"taxi", "服务", "平台", "rides", "service"},
    {"utilities", "服务", "营业厅", "service", "office"},
    {"telecom", "套餐", "营业厅", "plans", "store"},
    {"cinema", "观影体验", "影院", "screenings", "cinema"},
    {"jewelry", "首饰", "门店", "jewellery", "store"},
    {"education", "课程", "机构", "courses", "school"},
    {"healthcare", "服务", "诊所", "care", "clinic"},
    {"home_furnishing", "家具", "门店", "furniture", "showroom"},
    {"cosmetics", "护肤品", "门店", "skincare", "store"},
    {"sporting_goods", "装备", "门店", "gear", "store"},
    {"books", "书", "书店", "books", "bookshop"},
};
inline constexpr CategoryWords kDefaultCategoryWords = {"", "商品", "店", "products", "shop"};

// Chinese names of the cities in Cities() (by their English name).
struct CityName {
  std::string_view en, zh;
};
inline constexpr CityName kCityNames[] = {
    {"Shanghai", "上海"},  {"Beijing", "北京"},   {"Shenzhen", "深圳"},
    {"Guangzhou", "广州"}, {"Hangzhou", "杭州"},  {"Chengdu", "成都"},
    {"Wuhan", "武汉"},     {"Nanjing", "南京"},   {"Xi'an", "西安"},
    {"Chongqing", "重庆"}, {"Tianjin", "天津"},   {"Suzhou", "苏州"},
    {"Zhengzhou", "郑州"}, {"Changsha", "长沙"},  {"Qingdao", "青岛"},
    {"Shenyang", "沈阳"},  {"Dongguan", "东莞"},  {"Hefei", "合肥"},
    {"Ningbo", "宁波"},    {"Xiamen", "厦门"},    {"Kunming", "昆明"},
    {"Harbin", "哈尔滨"},  {"Hong Kong", "香港"}, {"Singapore", "新加坡"},
    {"Tokyo", "东京"},     {"Osaka", "大阪"},     {"Seoul", "首尔"},
    {"Bangkok", "曼谷"},   {"London", "伦敦"},    {"Paris", "巴黎"},
    {"Milan", "米兰"},     {"New York", "纽约"},  {"Los Angeles", "洛杉矶"},
    {"Sydney", "悉尼"},
};

}  // namespace panorama::generate::opinion_text
