"""Writes clean.jsonl: ordinary Chinese and English texts (news-like, chat, products, names and addresses).

Run from the worktree root: ``PYTHONPATH=src python tests/campaign/corpus/build_clean.py``. The
hand-written sentences include near misses the rules must leave alone (独播, 特色情况, 参加微信读书,
坐飞机, "have a video", "dot com bubble", landlines, postcodes, order numbers); addresses, names and
product lines are generated from fixed lists with a seeded generator.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("clean.jsonl")
rng = random.Random(2026)

NEWS = [
    "国家统计局12日发布数据显示，10月份全国居民消费价格同比上涨0.3%。",
    "据气象台预报，未来三天本市以多云天气为主，最高气温18摄氏度。",
    "第十五届全国运动会将于11月在广东、香港、澳门三地举行。",
    "今年前三季度，全省规模以上工业增加值同比增长5.8%。",
    "市交通委表示，地铁14号线东段预计年底开通试运营。",
    "该校2025届毕业生就业率达到96.4%，较去年提高1.2个百分点。",
    "春运期间，铁路部门计划增开临时旅客列车1200余列。",
    "受冷空气影响，北方部分地区将出现大风降温天气。",
    "新修订的食品安全法实施细则自明年1月1日起施行。",
    "博物馆推出夜场开放，每周五、周六延长至晚上9点。",
    "本届书展共吸引来自32个国家和地区的出版机构参展。",
    "全市新增公共充电桩4500个，覆盖所有区县。",
    "研究团队在国际期刊发表论文，揭示了新型电池材料的稳定机制。",
    "农业农村部介绍，今年秋粮收获已过九成，进度快于去年同期。",
    "该地区特色情况说明会于周三召开，介绍乡村振兴的具体做法。",
    "这部剧由视频平台独播，首周播放量超过两亿次。",
    "警方提醒市民警惕电信诈骗，不要向陌生账户转账。",
    "春节前夕，志愿者走进社区，为孤寡老人送去年货。",
    "高速公路将于本周六凌晨2点至6点封闭施工。",
    "这座有着六百年历史的古桥完成修缮，重新向游客开放。",
    "截至9月底，全国5G基站总数超过400万个。",
    "专家建议，秋冬季节要注意预防流感，及时接种疫苗。",
    "本次马拉松共有3万名选手参赛，男子组冠军成绩为2小时09分。",
    "图书馆新增电子阅览室，读者可凭借书证免费使用。",
    "港口集装箱吞吐量连续三个月保持增长。",
    "电脑病毒防护软件更新后，系统运行更加稳定。",
    "景区实行分时预约，每天限流两万人次。",
    "该公司宣布将在上海设立研发中心，预计招聘300名工程师。",
    "市民可通过政务服务平台在线办理居住证续签。",
    "今年的冰雪节将于12月20日开幕，持续到明年2月底。",
    "法院依法审理了一起合同纠纷案件，判决被告支付货款12万元。",
    "夏粮收购工作有序推进，各地严格执行最低收购价政策。",
    "这次展览汇集了博采众长的近百件书画作品。",
    "农村公路建设里程再创新高，惠及沿线群众。",
    "学校开展防溺水安全教育，提醒学生不要私自下水游泳。",
    "全国铁路今日预计发送旅客1500万人次。",
    "市场监管部门抽检了200批次食品，合格率为98.5%。",
    "今年入汛以来，全省平均降雨量较常年偏多两成。",
    "新能源汽车销量同比增长35%，渗透率超过四成。",
    "远郊区县的乡村民宿在国庆假期迎来客流高峰。",
]
CHAT = [
    "明天下午3点在星巴克见？", "好的，我到了给你打电话。", "哈哈哈，这个视频太好笑了", "今晚吃火锅还是烧烤？",
    "周末一起去爬山吧，天气预报说是晴天", "我刚下班，地铁上人好多", "加油！你一定可以的！", "生日快乐，祝你天天开心",
    "这家店的奶茶真的好喝，推荐三分糖", "谢谢大家的支持，我们下期再见", "作业写完了吗？明天要交了", "我在排队，大概还要十分钟",
    "刚看完电影，结局太意外了", "你们公司几点下班啊", "下周二我请假回老家", "这个游戏的新版本太难了",
    "我坐飞机去成都，晚上八点落地", "企鹅真的好可爱，动物园的新成员", "参加微信读书的打卡活动第30天", "猫咪今天又把花瓶打碎了",
    "晚安，明天见", "收到，马上处理", "我妈让我多穿点衣服", "楼下新开了一家面馆，味道不错", "考试终于结束了，解放了！",
    "今天跑了5公里，腿好酸", "大家注意保暖，降温了", "这首歌单曲循环一整天了", "周五团建去唱K吗", "已经增加了微量元素的配方奶粉",
    "谁有高数的笔记，借我看看", "我更加喜欢安静的地方", "添加了新的滤镜，照片好看多了", "打卡第100天，继续坚持",
    "评论区的朋友们说得对", "主播唱得太好听了", "这个角色情感很细腻", "景色情调都很棒，值得一去", "他出色情商高，大家都喜欢他",
    "我的主页设计改好了，你看看",
]
PRODUCTS = [
    "纯棉短袖T恤，尺码S-XXL，颜色黑白灰三色可选。", "不锈钢保温杯500ml，保温12小时，支持七天无理由退货。",
    "无线蓝牙耳机，续航30小时，支持快充。", "有机大米5kg装，产地黑龙江五常。", "儿童益智拼图1000片，适合8岁以上。",
    "家用空气净化器，适用面积40平方米，CADR值350。", "手工皂三块装，含橄榄油和乳木果油。", "笔记本电脑支架，铝合金材质，可调节高度。",
    "新鲜草莓2斤装，顺丰冷链发货。", "瑜伽垫加厚10mm，防滑耐磨。", "智能手表，心率血氧监测，50米防水。",
    "进口咖啡豆，中度烘焙，净含量454g。", "LED护眼台灯，三档色温，USB充电。", "男士运动鞋，透气网面，尺码39-44。",
    "厨房刀具五件套，德国工艺。", "婴儿湿巾80抽×10包，无酒精无香精。", "电动牙刷，五种清洁模式，附两个刷头。",
    "真丝围巾，尺寸180×90cm，礼盒包装。", "宠物猫粮2.5kg，鸡肉三文鱼味。", "加湿器3L大容量，静音设计。",
    "Wireless mouse, 2.4 GHz, 18-month battery life.", "Stainless steel water bottle, 750 ml, keeps drinks cold for 24 hours.",
    "Organic green tea, 100 bags, sourced from Zhejiang.", "Men's running shoes, breathable mesh, sizes 7-12.",
    "Noise-cancelling headphones with 40-hour battery.", "Ceramic dinner set for six, dishwasher safe.",
    "Kids' building blocks, 500 pieces, ages 6 and up.", "Available in three colours: navy, olive and sand.",
    "Portable charger 20000mAh with USB-C fast charging.", "Handmade leather wallet with RFID protection.",
]
ENGLISH = [
    "I have a video call at 10 am, can we talk after lunch?", "The museum is closed on Mondays.",
    "Please find the attached report for Q3 2025.", "Our team won the regional football final 3-1 yesterday.",
    "The train to Shanghai leaves at 8:45 from platform 6.", "Thanks for your help with the move last weekend!",
    "The dot com bubble burst in 2000 and many startups failed.", "She has a degree in avian biology.",
    "The city council approved the new bike lanes on Tuesday.", "Have a great holiday and see you in January.",
    "Rain is expected across the north of England tonight.", "The library now lends laptops to students for free.",
    "We are out of milk, can you grab some on the way home?", "Flight CA1234 is delayed by 40 minutes.",
    "Scientists discovered a new species of frog in the rainforest.", "The café on Fifth Avenue has great avocado toast.",
    "Quarterly revenue rose 12% to 4.5 billion dollars.", "Don't forget to water the plants while I'm away.",
    "The concert was amazing, the band played for three hours.", "Please add me to the project mailing list.",
    "I will dm you the meeting notes later.", "Travel advisory: heavy snow expected in the mountain passes.",
    "The average temperature in July was 31 degrees.", "Our new office is at 88 Nathan Road, Kowloon.",
    "Call the front desk at extension 204 if you need anything.", "The exhibition features 120 paintings from the 18th century.",
    "He adds a pinch of salt to the sauce at the end.", "Grandma's recipe calls for two cups of flour.",
    "Vaccination clinics open at 9 am on weekdays.", "The casinos of Macau reported lower visitor numbers.",
    "This is a heavy vehicle route, avoid during rush hour.", "Maven and Gradle are both build tools for Java.",
    "The xxl size is sold out, but we have xl.", "Savoury pancakes are popular in northern China.",
    "Add the eggs one at a time and whisk well.", "The stadium holds 80,000 people.",
    "Our customer service line is 400-820-8820.", "Post the letter to PO Box 1024, Canberra.",
    "Meet me at gate B12 at half past seven.", "The printer on floor 3 is out of toner.",
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"]
CITIES = [("北京市", "朝阳区", "建国路"), ("上海市", "浦东新区", "世纪大道"), ("广州市", "天河区", "天河路"),
          ("深圳市", "南山区", "科技园南路"), ("杭州市", "西湖区", "文三路"), ("成都市", "武侯区", "人民南路"),
          ("南京市", "鼓楼区", "中山北路"), ("武汉市", "洪山区", "珞喻路"), ("西安市", "雁塔区", "长安南路"),
          ("重庆市", "渝中区", "解放碑步行街")]
EN_STREETS = ["Baker Street", "Queen's Road Central", "Orchard Road", "Market Street", "King Street West"]

texts: list[tuple[str, str]] = [("news", t) for t in NEWS] + [("chat", t) for t in CHAT]
texts += [("product", t) for t in PRODUCTS] + [("english", t) for t in ENGLISH]
for i in range(60):
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    city, district, road = rng.choice(CITIES)
    number, room, postcode = rng.randint(1, 999), rng.randint(101, 2808), rng.randint(100000, 860000)
    kind = i % 4
    if kind == 0:
        text = f"收件人：{name}，地址：{city}{district}{road}{number}号{room}室，邮编{postcode}"
    elif kind == 1:
        text = f"{name}老师的办公室在{road}{number}号教学楼{room % 10}层，电话0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}"
    elif kind == 2:
        text = f"订单号{rng.randint(10**14, 10**15 - 1)}已发货，配送至{city}{district}，预计{rng.randint(1, 3)}天送达"
    else:
        text = f"{name}，{rng.randint(1960, 2005)}年{rng.randint(1, 12)}月出生，住{district}{road}{number}弄{rng.randint(1, 40)}号"
    texts.append(("address", text))
for i in range(40):
    street = rng.choice(EN_STREETS)
    text = (
        f"Ship to: Flat {rng.randint(1, 40)}, {rng.randint(1, 300)} {street}, postcode {rng.randint(10000, 99999)}, "
        f"order #{rng.randint(100000, 999999)}"
        if i % 2 == 0
        else f"Invoice {rng.randint(2024, 2026)}-{rng.randint(1000, 9999)}: {rng.randint(2, 40)} units at "
        f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d} USD, due {rng.randint(1, 28)} March"
    )
    texts.append(("address_en", text))
for i in range(60):
    colour = rng.choice(["红色", "蓝色", "米白", "深灰", "墨绿"])
    size = rng.choice(["S", "M", "L", "XL", "均码"])
    text = f"第{i + 1}款：{colour}{size}码，库存{rng.randint(0, 500)}件，单价{rng.randint(19, 899)}元，{rng.randint(2, 9)}折包邮"
    texts.append(("product", text))

OUT.write_text(
    "".join(json.dumps({"id": f"clean-{i:04d}", "kind": k, "text": t}, ensure_ascii=False) + "\n"
            for i, (k, t) in enumerate(texts)),
    encoding="utf-8",
)
print(f"{len(texts)} texts -> {OUT}")
