"""Check one split of the fixture corpus in tests/data/corpus/ (stdlib only).

Usage: python scripts/check_corpus.py tune   (or: test)

Verifies, for the split's articles and questions:
- each article's layout: title line, the series boilerplate intro and outro, the footer as the last
  line, length, number of staff answer turns, JSON metadata fields, no reserved topic words;
- each question's JSON fields; each gold string occurs exactly once across ALL corpus texts (both
  splits, seeds/*.txt, the 中編 fixture) and that occurrence is in its own article, inside a staff
  turn (or in the intro narration for "about": "article" questions);
- counts per article (answerable, English, about-article) and for the unanswerable set.
Prints a summary table and every problem; exits 1 when there is any problem. Also notes (without failing) a
topic word of the split found in two of its articles, for the two writers of a split to look at.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
OTHER_TEXTS = [*sorted((ROOT / "seeds").glob("*.txt")), ROOT / "tests" / "data" / "dx-suishin-tantouka-chuhen.txt"]

INTRO = [
    "皆さんは区役所と聞いて、どんな職場を想像しますか…?",
    "窓口で手続きをする場所、というイメージが強いかもしれませんね。",
    "そこで、ねつせた!では、世田谷区役所で働く職員の皆さんにお話を聞く企画を続けています🍀",
]
OUTRO = "ねつせた!では、これからも区役所のいろいろな部署の職員の皆さんを紹介していきます。次回もお楽しみに!"
FOOTER = "この記事が気に入ったらサポートをしてみませんか?"
META_KEYS = {"title", "url", "publisher", "series", "department", "language", "published", "fictional"}
# Topics the unanswerable questions rely on: no article may mention them (patterns: ペットボトル is no pet).
RESERVED = [
    "住民票", "戸籍", "印鑑登録", "婚姻届", "パスポート", "国民健康保険", "年金", "介護保険", "区営住宅",
    "犬の登録", "ペット(?!ボトル)", "選挙", "投票", "駐輪場", "放置自転車", "プール", "体育館", "バーベキュー",
    "予防接種", "健診", "粗大ごみ", "駐車場", "人口", "区長", "観光", "お祭り", "花火", "水道",
    "転入", "転出", "引っ越し", "建て替え",
]
# The other splits' main topics, kept out so that every question has exactly one answering article.
_TOPICS = {  # each split's articles' main topic words
    "tune": ["保育園", "ごみの分別", "下北沢", "生成AI", "子育て応援", "青少年", "妊娠届"],
    "test": ["マイナンバー", "図書館", "防災", "スマホ教室", "集会室"],
    "holdout": ["通報", "区のおしらせ", "広報", "補助金", "太陽光", "一人一台", "不登校", "街路灯", "省エネ"],
    "exam": ["消費生活", "詐欺", "定期購入", "遠隔手話", "ヘルプマーク", "音声コード", "障害福祉", "商品券", "創業",
             "アーカイブ", "郷土"],
    "exam2": ["区民農園", "直売所", "援農", "生涯学習", "区民講師", "住民税", "納税", "延滞金", "口座振替", "電子入札",
              "電子契約", "押印"],
    "exam3": ["区議会", "会議録", "傍聴", "請願", "陳情", "議員", "不審者", "防犯", "登下校", "営業許可", "食中毒",
              "食品衛生", "生活福祉", "生活保護", "フードバンク", "借金"],
    "exam4": ["花壇", "保存樹木", "公園緑地", "植樹", "芝生広場", "樹木医", "国際課", "外国人", "日本語講座",
              "多言語相談", "通訳ボランティア", "男女共同参画", "パートナーシップ", "ハラスメント", "家しごと",
              "建築確認", "耐震診断", "空き家", "概要書"],
    "exam5": ["回覧板", "掲示板", "地域活動", "歩数", "ウォーキング", "減塩", "健康推進", "給食", "献立", "アレルギー",
              "食べ残し", "学校健康", "雇用促進", "求人", "60歳以上"],
    "exam6": ["人事課", "採用試験", "適性検査", "インターンシップ", "採用ナビ", "受験票", "公務員", "区民相談",
              "一般相談", "相談予約", "遺言", "養育費", "離婚", "敷金",
              "児童課", "じどうかんパス", "よちよちタイム", "遊戯室", "道路占用", "占用料", "通行止め", "ドローン",
              "地中レーダー", "道路使用許可", "デシベル"],
    "exam7": ["コミュニティバス", "乗合タクシー", "停留所", "時刻表", "運賃", "交通政策",
              "ハチの巣", "スズメバチ", "ネズミ", "ゴキブリ", "トコジラミ", "害虫", "防護服", "噴霧器",
              "川場村", "交流推進課", "やまびこロッジ", "かわば山の学校", "区民料金", "宿泊", "縁組", "稲刈り",
              "二十歳のつどい", "振袖", "実行委員", "ライブ配信", "はたちナビ", "撮影なしエリア"],
    "exam8": ["認知症", "おれんじカフェ", "もの忘れ", "介護予防", "見守りネット協定", "おでかけタグ",
              "劇場", "チケット", "公演", "稽古場", "字幕タブレット", "観劇", "演劇", "リセール",
              "学童", "指導員", "入退室", "ひろっぱ", "児童健全育成", "熱中症", "暑さ指数", "涼み処", "ミスト",
              "緑のカーテン", "給水スポット", "マイボトル", "日傘", "気候変動"],
    "exam9": ["部活動", "週末クラブ", "クラブポケット", "指導者バンク", "顧問", "吹奏楽", "おさがり用具",
              "情報公開", "開示請求", "黒塗り", "区政情報センター", "公開文書ライブラリ", "決定通知書", "審査請求",
              "オープンデータ", "ダッシュボード", "データカタログ", "データセット", "CSV", "統計", "データ講座",
              "ヘルメット", "交通安全", "スタントマン", "自転車保険", "交差点", "交通ルール", "ヒヤリ", "青切符"],
    "exam10": ["湯めぐり", "ゆっこナビ", "番台", "ゆず湯", "菖蒲湯", "入浴料", "浴場組合",
               "歩きたばこ", "喫煙所", "吸い殻", "ポイ捨て", "過料", "加熱式", "たばこ",
               "分譲マンション", "長期修繕計画", "修繕積立金", "マンション管理士", "理事会", "管理規約",
               "聞こえのチェック", "言語聴覚士", "集音器", "耳鼻科", "助成券", "もじ見えモニター"],
    "exam11": [
        # exam11 (writer A)
        "入学通知書", "入学ナビ", "学区", "通学区域", "指定校", "就学相談", "入学前説明会",
        "食品ロス", "フードドライブ", "食べきり", "賞味期限", "消費期限", "てまえどり", "子ども食堂",
        "たべきりアラート", "おもちかえり容器", "売れ残り",
        # exam11 (writer B)
        "チャットボット", "総合案内", "よくある質問", "オペレーター", "折り返し予約", "たずねるくん",
        "電話リレー", "FAX",
        "豪雨", "浸水", "冠水", "土のう", "浸透ます", "止水板", "雨水タンク", "水位", "雨かわナビ",
    ],
    "exam12": [
        # exam12 (writer A)
        "里親", "里子", "児童相談所", "児童養護施設", "乳児院", "ショートステイ", "ホリデーファミリー", "巣立ち",
        "美術館", "観覧料", "入館料", "所蔵作品", "鑑賞", "収蔵庫", "コレクション展", "企画展", "オトナビ", "友の会",
        "寄贈", "図録", "彫刻",
        # exam12 (writer B)
        "生きもの", "一斉調査", "観察会", "ビオトープ", "トンボ", "カエル", "外来種", "めじるし生きもの", "ザリガニ",
        "アライグマ", "ハクビシン", "タンポポ", "オオキンケイギク", "ツバメ",
        "猫", "ねこ", "飼い主", "不妊", "去勢", "譲渡会", "捕獲器", "さくら耳", "えさやり", "多頭飼育",
        "ミルクボランティア",
    ],
    "exam13": [
        # exam13 (writer A)
        "プレーパーク", "プレーリーダー", "たき火", "のこぎり", "泥遊び", "泥んこ", "木登り", "どんどこ号",
        "あそびカー", "公園課",
        "休日診療所", "休日歯科", "救急医療", "小児科", "処方せん", "当番の薬局", "医療ナビ", "あんしんダイヤル",
        "急病", "夜間こども診療室", "歯医者", "入れ歯", "けいれん", "母子手帳", "医療証",
        # exam13 (writer B)
        "奨学金", "奨学生", "給付型", "学び応援課", "まなびルーム", "まなびメイト", "予約申し込み", "高校受験",
        "スタート応援金", "急変時",
        "子どもの権利", "ここきく", "いじめ", "仲間はずれ", "校則", "公衆電話", "権利委員",
    ],
    "exam14": [
        # exam14 (writer A)
        "騒音計", "振動", "悪臭", "公害", "室外機", "給湯器", "特定建設作業", "生活音", "低周波", "臭気",
        "家屋調査",
        "終活", "エンディングノート", "おくやみ", "葬儀", "身寄り", "死後事務", "墓じまい", "区民葬", "これからノート",
        # exam14 (writer B)
        "文化財", "埋蔵", "遺跡", "試掘", "発掘", "出土", "縄文", "石器", "仏像", "柏木家", "めぐりの日", "いろり",
        "かやぶき", "道しるべ", "庚申塔", "整理室",
        "消防団", "団員", "分団", "器具置場", "可搬ポンプ", "積載車", "操法", "放水", "出初式", "消火栓", "防火衣",
        "防火帽", "協力事業所", "拍子木", "火の用心", "報償金",
    ],
    "exam15": [
        # exam15 (writer A)
        "屋外広告", "広告物", "景観", "袖看板", "はり紙", "電柱広告", "看板パトロール", "許可シール", "除却",
        "はがし隊", "看板デザイン賞",
        "シェアサイクル", "サイクルポート", "電動アシスト", "せたりん", "月額プラン", "満車", "法人プラン", "サドル",
        # exam15 (writer B)
        "移動販売", "販売車", "買い物支援", "おかいもの便", "おとどけ便", "おかいものパートナー", "配達料",
        "ちょっと座れるお店",
        "リユース", "古布", "古着回収", "ゆずりあいネット", "なおしてカフェ", "おもちゃドクター", "かえっこ", "ウエス",
    ],
    "exam16": [
        # exam16 (writer A)
        "パブリックコメント", "意見募集", "区民意見", "無作為", "区民みらい会議", "意見提出フォーム",
        "募集スタートメール",
        "3分でわかる版", "計画づくりワークショップ", "こども意見ポスト", "出張コメント会", "区の考え方", "提言",
        "平和", "戦争", "空襲", "疎開", "焼夷弾", "防空頭巾", "配給", "出征", "証言映像", "黙とう", "折り鶴", "原爆",
        "千人針",
        # exam16 (writer B)
        "ひきこもり", "ゆるりルーム", "家族サロン", "訪問相談", "専門医相談", "そっとしておいてカード", "はたらく練習",
        "おためし職場", "ピアサポーター", "精神保健福祉士",
        "踏切", "高架", "立体交差", "仮線", "遮断機", "終電", "迂回", "歩道橋", "工事だより", "非常ボタン",
        "さんぽみち",
        "鉄道立体化",
    ],
    "exam17": [
        # exam17 (writer A)
        "成年後見", "後見", "保佐", "家庭裁判所", "申立書", "公証役場", "公正証書", "くらしのお金サポート",
        "地籍", "境界", "筆界", "測量", "立会い", "公図", "トータルステーション",
        # exam17 (writer B)
        "保護司", "更生", "社会を明るくする運動", "協力雇用主", "再犯", "刑務所", "少年院", "保護観察", "非行",
        "立ち直り", "出所", "黄色い羽根", "雇い入れ奨励金", "BBS",
        "特別支援教育", "特別支援学級", "通級", "ステップルーム", "クラスサポーター", "コーディネーター", "校内委員会",
        "つなぎ面談", "サポートシート", "学びの場検討会", "のぞき窓定規", "たんけんデー", "作業療法士",
    ],
    "exam18": [
        # exam18 (writer A)
        "献血", "骨髄", "ドナー", "白血病", "血液センター", "血小板", "白血球", "血液型", "輸血", "全身麻酔",
        "いのちのしおり", "おたすけメール",
        "ケアラー", "家事サポーター", "ほっとライン", "ほっとひと息", "まるごと会議", "気づき研修", "めやす表",
        "おべんきょう会", "毎日チェック", "リフレッシュデー",
        # exam18 (writer B)
        "住居表示", "街区", "地番", "住居番号", "基礎番号", "住所みつけマップ", "新旧住所", "表札",
        "ネーミングライツ", "愛称", "人道橋", "施設みらい基金", "財源開拓", "せせらぎ製菓", "のがわ橋",
    ],
    "exam19": [
        # exam19 (writer A)
        "ALT", "外国語指導助手", "英語教育", "デイキャンプ", "友好都市", "スモールトーク", "検定料", "おうちでえいご",
        "ペアレンツ・カフェ", "話すテスト",
        "国勢調査", "調査区", "かたり調査", "不在連絡票", "アクセスキー", "大規模調査", "調査員証",
        # exam19 (writer B)
        "無電柱化", "電線", "地上機器", "変圧器", "電力会社", "でんせん教室",
        "バリアフリー", "点字ブロック", "補助犬", "盲導犬", "介助犬", "聴導犬", "まちあるき点検", "気づきはがき",
        "参加チェックリスト", "弱視", "アイマスク", "文字盤",
    ],
    "exam20": [
        # exam20 (writer A)
        "紋章", "区の花", "区の木", "区の鳥", "マスコット", "からっぴ", "区歌", "ヤマブキ", "クスノキ", "シジュウカラ",
        "区のしるし", "みどりの風の街",
        "犯罪被害者等", "見舞金", "カウンセリング", "サポートデスク", "二次被害", "わかちあいの会", "遺族",
        "ストーカー",
        "加害者", "性的な被害", "家具付き", "支えのプラン", "おはなし共有シート", "寄り添う窓口研修",
        # exam20 (writer B)
        "返納", "運転経歴証明書", "運転卒業", "高齢運転者", "踏み間違い", "おでかけ応援", "教習所", "助手席",
        "ウインカー", "移動プラン", "いっしょにおでかけ", "おでかけ券",
        "敬老", "長寿", "喜寿", "米寿", "金婚", "写真館", "いい夫婦", "お祝い金", "湯のみ", "えらべるカタログ",
        "おめでとうカード", "お助けセット", "100歳",
    ],
    "exam21": [
        # exam21 (writer A)
        "民泊", "ホスト", "民泊プレート", "ご近所ダイヤル", "ハウスルール", "民泊マップ", "三者の話し合い",
        "代行の会社", "あいさつカード",
        "こころの健康", "ゲートキーパー", "こころの相談ダイヤル", "こころのチャット", "こころの医師相談",
        "クリニックリスト", "つなぐカード", "家族教室", "家族のつどい", "お天気チェック", "心療内科", "緑のリボン",
        "SOSの出し方",
        # exam21 (writer B)
        "姉妹都市", "交流自治体", "ホームステイ", "カイタラ", "みのり町", "あおしま町", "おてつだいステイ",
        "交流グループ", "しおかぜオンライン教室", "たからばこ便", "まちとまちだより", "都市交流課",
        "介護人材", "介護資格チャレンジ", "初任者研修", "実務者研修", "しごとフェア", "介護のしごと", "すまい応援",
        "介護ロボット", "アシストスーツ", "睡眠センサー", "ちょこっと介護ワーク", "合格めざし講座", "介護の日",
    ],
    "exam22": [
        # exam22 (writer A)
        "擁壁", "大谷石", "水抜き穴", "増し積み", "擁壁カルテ", "擁壁なおし", "宅地安全課", "土砂災害",
        "ロケ", "エキストラ", "映像のまち", "制作会社", "ショートフィルム", "お困りダイヤル", "学生映画",
        "ミュージックビデオ", "撮影のお知らせ",
        # exam22 (writer B)
        "コンポスト", "生ごみ処理機", "生ごみ減量", "コンポストマスター", "土の交換", "米ぬか", "密閉式",
        "新庁舎", "新しい本庁舎", "東棟", "西棟", "まとめて窓口", "書かない受付", "じゅんばんメール", "展望ロビー",
        "区民ロビー", "区民ギャラリー", "ひと足早い見学会", "工事ご相談室", "免震", "ご案内係",
    ],
    "exam23": [
        # exam23 (writer A)
        "除雪", "凍結防止剤", "道路維持課", "雪の体制", "ゆきみちマップ", "雪の相談ダイヤル", "すべらん袋",
        "雪かきサポーター", "おねがい登録",
        "ファミリー・サポート", "ファミサポ", "おねがい会員", "まかせて会員", "どっちも会員", "子育て地域支援課",
        "はじめましてシート", "はじめて利用券", "ペアでお預かり",
        # exam23 (writer B)
        "街路樹", "道路みどり課", "落ち葉回収袋", "ぎんなん", "イチョウ", "ハナミズキ", "腐葉土", "街路樹パートナー",
        "毛虫", "木の健康診断", "木の名札", "お知らせ札", "作業カレンダー", "剪定", "高所作業車",
        "落書きゼロ", "落書き消し", "消しゴム隊", "アートシャッター", "色合わせ相談", "落とし液", "シャッター",
        "コーティング", "落書き見つけたフォーム",
    ],
    "exam24": [
        # exam24 (writer A)
        "赤ちゃんの駅", "子育てまちづくり課", "駅スタッフ講座", "そのまま使える駅", "ベビーカーOK", "個室あり",
        "カラス対策課", "カラスよけネット", "カラスよけボックス", "カラス巣ダイヤル", "カラス注意", "ねぐら", "釣り糸",
        # exam24 (writer B)
        "井戸", "地下水", "湧き水", "地下水保全課", "井戸水の無料検査", "まちの井戸", "手押しポンプ", "国分寺崖線",
        "大腸菌", "硝酸", "打ち水", "みまもり隊", "さんぽマップ",
        "ホームシェア", "ひとつ屋根", "お試し同居", "くらしの約束シート", "同居の約束書", "門限", "光熱費",
    ],
    "exam25": [
        # exam25 (writer A)
        "スケートボード", "スケボー", "アーバンスポーツ", "BMX", "インラインスケート", "キックボード", "防具",
        "広場カード", "はじめてエリア", "チャレンジエリア", "スケボーフェス",
        "まちかどピアノ", "まちかど音楽推進課", "ピアノサポーター", "調律", "連弾", "鍵盤", "砂時計",
        "演奏タイム", "譜面",
        # exam25 (writer B)
        "緑化", "屋上緑化", "壁面緑化", "緑化計画書", "建物緑化推進課", "屋上みどり", "軽量土", "セダム", "防根シート",
        "ヒートアイランド", "ツタ", "つる植物",
        "プラネタリウム", "星空", "望遠鏡", "星座", "流星群", "解説員", "星を見る会", "ちびっこ星空タイム",
        "科学教育センター", "土星", "クレーター",
    ],
    "exam26": [
        # exam26 (writer A)
        "ふれあい動物広場", "ウサギ", "モルモット", "ヤギ", "ポニー", "ニワトリ", "だっこタイム", "どうぶつ当番",
        "どうぶつ広場サポーター", "しいの木台公園", "粘着ローラー", "干し草", "こむぎ", "ワクチン",
        "モルック", "スキットル", "ニュースポーツ", "フィンランド", "ひばりが原公園",
        # exam26 (writer B)
        "キッズおしごとタウン", "おしごとタウン", "タウンコイン", "しごと手帳", "おしごと案内所", "タウンスタッフ",
        "おみやげ市場", "まちの銀行", "おうちの人ラウンジ", "おむかえカード", "こどもキャリア応援課", "しずかルーム",
        "紙ねんど", "アナウンサー", "テレビ局",
        "原付", "ナンバープレート", "デザインナンバー", "標識交付証明書", "廃車申告", "自賠責", "排気量", "課税課",
        "ミニカー", "小型特殊", "譲渡証明書", "販売証明書", "等々力渓谷",
    ],
    "exam27": [
        # exam27 (writer A)
        "eスポーツ", "いこいの家", "シニアいきがい推進課", "まごといっしょ", "げんきスタンプ手帳", "リズムゲーム",
        "コントローラー", "リストバンド", "じゅんび体操", "ボウリング", "遠近両用", "要約筆記", "手話講座", "指文字",
        "親子手話ひろば", "ステップアップ講座", "派遣申込書", "利用確認票", "団体派遣", "コミュニケーション支援課",
        "ろう者", "プロジェクター", "ホワイトボード",
        # exam27 (writer B)
        "ねいろ文庫", "ねいろステージ", "ねいろ協力店", "おんがく応援課", "つぎの人ノート", "はじめの一歩レッスン",
        "弱音器", "楽器店", "サックス", "バイオリン", "チェロ", "クラリネット", "トロンボーン", "ホルン", "フルート",
        "管楽器", "弦楽器", "打楽器", "電子楽器", "わかば区民会館", "音大生", "ならし会", "ひとこえ収集",
        "ひとこえ札", "ひとこえメール", "ひとこえ講習", "声かけなし", "玄関先",
    ],
    "exam28": [
        # exam28 (writer A)
        "落とし物", "おとしもの", "施設サービス課", "回収便", "みつかるシール", "着払い", "眼鏡店",
        "みらいレター", "みらいポスト", "みらいカプセル", "みらい封筒", "ひとことカード", "区制", "100周年",
        "保管庫", "封入式", "はじめましてレター", "録音ブース", "お届け先",
        # exam28 (writer B)
        "手なおし", "くらし工房", "工房カード", "網戸ローラー", "下地センサー", "障子", "網戸", "ふすま", "戸車",
        "建具", "電動ドライバー", "踏み台",
        "ふみとも", "てがみ教育課", "書き初め", "毛筆", "筆ペン", "半紙", "書写", "押し花",
    ],
    "exam29": [
        # exam29 (writer A)
        "もちつき", "臼", "杵", "せいろ", "もち米", "手水", "のし板", "まちの行事応援課", "指南役",
        "もちつき応援セット", "再開応援金", "つき手", "返し手", "かまど",
        "理美容", "理容師", "美容師", "寝たままカット", "ゆっくりカット", "顔そり", "ドライシャンプー", "出張費",
        "在宅くらし応援課", "バリカン", "髪型", "ケープ",
        # exam29 (writer B)
        "みせさき", "商店街にぎわい課", "かざりの先生", "店先かざり", "ショーウインドー", "こども審査員", "区民賞",
        "産業プラザ", "食品サンプル",
        "アイスリンク", "貸し靴", "スケート靴", "すわりそり", "カーリング", "しらかば台公園", "フィギュアスケート",
        "アイスホッケー", "ナイトリンク",
    ],
    "exam30": [
        # exam30 (writer A)
        "体操ひろば", "のびのび体操", "体操リーダー", "すわって体操", "体操スピーカー", "早起きカード",
        "まちなか運動課", "ビブス", "みずき野公園",
        "思い出ベンチ", "メッセージプレート", "まちのベンチ課", "ベンチお手入れ隊", "候補地", "ひじかけ", "ひのき",
        "真ちゅう", "振込用紙", "命日", "みどり政策部",
        # exam30 (writer B)
        "ラジオ", "まちラジ", "まちのラジオ課", "エフエムたまかぜ", "しつもんポスト", "こどもリポーター", "文字起こし",
        "収録", "リスナー", "録音機", "軽音楽部",
        "カヌー", "パドル", "ライフジャケット", "艇庫", "みずべスポーツ課", "うぐいす河原", "入り江", "あおむけ",
        "ライフセーバー", "下流",
    ],
}
OTHER_SPLIT = {split: [word for other, words in _TOPICS.items() if other != split for word in words]
               for split in _TOPICS}
STAFF = re.compile(r"^[A-ZＡ-Ｚ]さん ")
SPEAKER = re.compile(r"^(\S{1,8}) ")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def speaker_lines(lines: list[str]) -> list[bool]:
    """Mark the lines that open a speaker turn (staff initial+さん, or an interviewer name used twice)."""
    tokens = Counter(m.group(1) for line in lines if (m := SPEAKER.match(line)))
    names = {t for t, n in tokens.items() if n >= 2}
    return [bool(STAFF.match(line)) or bool((m := SPEAKER.match(line)) and m.group(1) in names) for line in lines]


def staff_line_flags(lines: list[str]) -> tuple[list[bool], int]:
    """Per line: is it part of a staff turn (opening line or continuation)? Also the index of the first turn."""
    opens = speaker_lines(lines)
    flags, in_staff = [], False
    for line, is_open in zip(lines, opens, strict=True):
        if is_open:
            in_staff = bool(STAFF.match(line))
        elif not (line.startswith(" ") or (line.endswith("。") and not line.startswith("("))):
            # A heading, an image or link line, a caption: the turn has ended.
            in_staff = False
        flags.append(in_staff)
    first = next((i for i, o in enumerate(opens) if o), len(lines))
    return flags, first


def check_article(path: Path, split: str, problems: list[str]) -> dict:
    """Check one article's layout and metadata; return its figures for the table."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    aid = path.stem
    title = lines[0]
    if not re.match(r"^区役所職員にインタビュー! [―─].+[―─]$", title):
        problems.append(f"{aid}: title line does not follow the series layout: {title!r}")
    if lines[1:4] != INTRO:
        problems.append(f"{aid}: lines 2-4 are not the series boilerplate intro")
    if lines[-1] != FOOTER:
        problems.append(f"{aid}: last line is not the platform footer")
    if len(lines) < 3 or lines[-3] != f"以上、{title}でした。" or lines[-2] != OUTRO:
        problems.append(f"{aid}: outro lines missing or not verbatim before the footer")
    if any(not line.strip() for line in lines):
        problems.append(f"{aid}: has empty lines")
    staff = sum(1 for line in lines if STAFF.match(line))
    if staff < 15:
        problems.append(f"{aid}: only {staff} staff answer turns (need >= 15)")
    if not 3500 <= len(text) <= 7000:
        problems.append(f"{aid}: {len(text)} characters (need 3,500-7,000)")
    for word in [*RESERVED, *OTHER_SPLIT.get(split, [])]:
        if re.search(word, text):
            problems.append(f"{aid}: mentions reserved/other topic {word!r}")
    meta_path = path.with_suffix(".json")
    if not meta_path.exists():
        problems.append(f"{aid}: no metadata {meta_path.name}")
    else:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if set(meta) != META_KEYS:
            problems.append(f"{aid}: metadata keys {sorted(set(meta) ^ META_KEYS)} wrong")
        if meta.get("title") != title:
            problems.append(f"{aid}: metadata title differs from line 1")
        if meta.get("fictional") is not True or meta.get("publisher") != "ねつせた!" or meta.get("language") != "ja":
            problems.append(f"{aid}: metadata fictional/publisher/language wrong")
        if not str(meta.get("url", "")).startswith("https://note.com/netsuseta/n/"):
            problems.append(f"{aid}: metadata url wrong")
    return {"chars": len(text), "staff": staff, "multi": multi_staff_exchanges(lines)}


def multi_staff_exchanges(lines: list[str]) -> int:
    """Count exchanges where two or more different staff members answer one interviewer turn in a row."""
    count, speakers = 0, set()
    for line, is_open in zip(lines, speaker_lines(lines), strict=True):
        if not is_open:
            continue
        if STAFF.match(line):
            speakers.add(line.split(" ", 1)[0])
            continue
        count += len(speakers) >= 2
        speakers = set()
    return count + (len(speakers) >= 2)


def load_jsonl(path: Path, problems: list[str]) -> list[dict]:
    """Read a JSONL file, reporting lines that are not JSON objects."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}:{n}: not JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{path.name}:{n}: not an object")
            continue
        rows.append(row)
    return rows


def check_lang(where: str, row: dict, problems: list[str]) -> None:
    """The declared language must match the question's script."""
    q, lang = row.get("q"), row.get("lang")
    if not isinstance(q, str) or not q.strip():
        problems.append(f"{where}: empty or missing q")
        return
    if lang not in ("ja", "en"):
        problems.append(f"{where}: lang {lang!r} not ja/en")
    elif (lang == "ja") != bool(JAPANESE.search(q)):
        problems.append(f"{where}: lang {lang} does not match the text {q!r}")


def main(split: str) -> int:
    """Run every check for one split; print the table and the problems."""
    problems: list[str] = []
    split_dir = CORPUS / split
    articles = sorted(split_dir.glob("*.txt"))
    if not articles:
        print(f"no articles in {split_dir}")
        return 1
    all_texts = {p: p.read_text(encoding="utf-8") for p in [*sorted(CORPUS.glob("*/*.txt")), *OTHER_TEXTS]}
    figures = {p.stem: check_article(p, split, problems) for p in articles}
    by_id = {p.stem: p for p in articles}

    counts: dict[str, Counter] = {aid: Counter() for aid in by_id}
    seen_q: set[str] = set()
    qpath = CORPUS / f"{split}_questions.jsonl"
    for n, row in enumerate(load_jsonl(qpath, problems), 1):
        where = f"{qpath.name}:{n}"
        check_lang(where, row, problems)
        extra = set(row) - {"q", "gold", "article", "lang", "about"}
        if extra:
            problems.append(f"{where}: unknown fields {sorted(extra)}")
        if row.get("q") in seen_q:
            problems.append(f"{where}: duplicate question")
        seen_q.add(row.get("q"))
        aid = row.get("article")
        if aid not in by_id:
            problems.append(f"{where}: article {aid!r} not in split {split}")
            continue
        about = row.get("about")
        if about not in (None, "article"):
            problems.append(f"{where}: about must be 'article'")
        golds = row.get("gold")
        if not isinstance(golds, list) or not golds or not all(isinstance(g, str) for g in golds):
            problems.append(f"{where}: gold must be a non-empty list of strings")
            continue
        counts[aid]["q"] += 1
        counts[aid]["en"] += row.get("lang") == "en"
        counts[aid]["about"] += about == "article"
        own = all_texts[by_id[aid]]
        lines = own.splitlines()
        flags, first_turn = staff_line_flags(lines)
        for g in golds:
            if not 8 <= len(g) <= 25:
                problems.append(f"{where}: gold {g!r} is {len(g)} chars (need 8-25)")
            total = sum(t.count(g) for t in all_texts.values())
            if own.count(g) != 1 or total != 1:
                problems.append(f"{where}: gold {g!r} occurs {own.count(g)}x in {aid}, {total}x in all texts")
                continue
            idx = next(i for i, line in enumerate(lines) if g in line)
            if about == "article":
                if idx >= first_turn:
                    problems.append(f"{where}: about-article gold {g!r} is not in the intro narration")
            elif not flags[idx]:
                problems.append(f"{where}: gold {g!r} is not inside a staff turn")

    print(f"{'article':<16}{'chars':>7}{'staff':>7}{'multi':>7}{'qs':>5}{'en':>5}{'en%':>6}{'about':>7}")
    for aid, fig in figures.items():
        c = counts[aid]
        share = c["en"] / c["q"] if c["q"] else 0.0
        print(f"{aid:<16}{fig['chars']:>7}{fig['staff']:>7}{fig['multi']:>7}{c['q']:>5}{c['en']:>5}{share:>6.0%}{c['about']:>7}")
        if c["q"] < 20 or c["en"] < 6 or c["about"] != 2:
            problems.append(f"{aid}: needs >= 20 questions, >= 6 English, 2 about-article (has {dict(c)})")

    opath = CORPUS / f"{split}_oos.jsonl"
    oos = load_jsonl(opath, problems) if opath.exists() else []
    if not opath.exists():
        problems.append(f"{opath.name} missing")
    for n, row in enumerate(oos, 1):
        where = f"{opath.name}:{n}"
        check_lang(where, row, problems)
        if set(row) != {"q", "lang", "kind"} or row.get("kind") not in ("ward", "offtopic"):
            problems.append(f"{where}: fields must be q, lang, kind (ward|offtopic)")
        if row.get("q") in seen_q:
            problems.append(f"{where}: duplicate question")
        seen_q.add(row.get("q"))
    kinds = Counter((r.get("lang"), r.get("kind")) for r in oos)
    ja_ward, en = kinds[("ja", "ward")], kinds[("en", "ward")] + kinds[("en", "offtopic")]
    print(f"unanswerable: {len(oos)} (ja ward {ja_ward}, ja offtopic {kinds[('ja', 'offtopic')]}, "
          f"en ward {kinds[('en', 'ward')]}, en offtopic {kinds[('en', 'offtopic')]})")
    if len(oos) < 40 or ja_ward < 20 or en < 20 or not kinds[("en", "ward")] or not kinds[("en", "offtopic")]:
        problems.append("unanswerable: need >= 40, >= 20 Japanese ward, >= 20 English with both kinds")

    # Two writers share a split: a topic word found in two of its articles may give a question two answers.
    texts = {p.stem: p.read_text(encoding="utf-8") for p in articles}
    for word in _TOPICS.get(split, []):
        if len(where := [aid for aid, text in texts.items() if re.search(word, text)]) > 1:
            print(f"NOTE topic word {word!r} is in {', '.join(where)}: check that no question has two answers")
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tune"))
