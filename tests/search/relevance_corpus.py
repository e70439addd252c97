"""The relevance test set of issue 14 ("Quality, measured"): articles and the queries over them.

About 110 English and 100 Chinese articles (a few of them mixed, "用 Flask 写一个博客") by
eleven authors, on programming, databases, cooking, travel, books, photography, music, history,
health and money. Each query is what a reader would type, with the one article they would want
first (``best``) and the others they would be glad to see (``also_relevant``, for precision@5).
Queries are synonym-free: the best article holds the query's words (after stemming for English;
as the segmenter cuts them for Chinese), so a miss is a ranking miss, not a vocabulary one.

Ranking has to matter: most queries have near misses — articles that use the words in passing
(a "sourdough bread bowl" in a travel piece), hold every word in another sense (a swimming pool
and a connection), carry a similar title, or are newer than the best answer. ``days_ago`` gives
each article its age, so the recency prior is exercised without deciding real ties.

The queries and their answers were written before the engine was run on them: tune the engine
to them, never the other way round.

The articles are kept as text, as an author would write them: a header line
(``=== key | author | days ago | tag, tag``), ``title:`` and ``description:`` lines (wrapped
lines indented), then the Markdown body's paragraphs separated by blank lines. Wrapped lines are
joined with a space, except between two Chinese characters, which join directly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    """One article of the set: a stable key, its author's username, its age and its text."""

    key: str
    author: str
    days_ago: int
    tags: tuple[str, ...]
    title: str
    description: str
    body: str  # Markdown


@dataclass(frozen=True, slots=True)
class RelevanceQuery:
    """What a reader types, the article they want first and the others they would welcome."""

    kind: str  # the part of the query language it exercises, for the report
    text: str
    best: str
    also_relevant: tuple[str, ...] = ()

    @property
    def relevant(self) -> frozenset[str]:
        """Return the keys of every relevant article, the best one included."""
        return frozenset((self.best, *self.also_relevant))


# The kinds, in the order the issue lists them: English single word, several words, a quoted
# phrase, a prefix, an exclusion; Chinese two-character words, several words typed without
# spaces, one character; mixed languages; an author's name; a tag's name.

QUERIES: tuple[RelevanceQuery, ...] = (
    RelevanceQuery("english word", "sourdough", "en-sourdough-starter", ("en-sourdough-discard",)),
    RelevanceQuery("english word", "espresso", "en-espresso-dialing", ("en-coffee-grinders",)),
    RelevanceQuery("english word", "aperture", "en-aperture-basics"),
    RelevanceQuery("english word", "mortgage", "en-mortgage-overpay"),
    RelevanceQuery("english word", "sleep", "en-sleep-schedule"),
    RelevanceQuery("english word", "Rome", "en-rome-three-days"),
    RelevanceQuery(
        "english words",
        "postgres index slow query",
        "en-pg-slow-query",
        ("en-pg-index-types", "en-explain-analyze"),
    ),
    RelevanceQuery("english words", "night train europe", "en-night-trains", ("en-interrail",)),
    RelevanceQuery(
        "english words", "marathon training plan", "en-first-marathon", ("en-half-marathon",)
    ),
    RelevanceQuery("english words", "roast chicken crispy skin", "en-roast-chicken"),
    RelevanceQuery("english words", "python type hints", "en-type-hints", ("en-mypy-strict",)),
    RelevanceQuery("english words", "film camera beginner", "en-film-camera", ("en-darkroom",)),
    RelevanceQuery(
        "english words", "vinyl records", "en-vinyl-collecting", ("en-turntable-setup",)
    ),
    RelevanceQuery("english words", "git rebase", "en-git-rebase"),
    RelevanceQuery("english phrase", '"connection pool"', "en-connection-pool", ("en-pgbouncer",)),
    RelevanceQuery("english phrase", '"French press"', "en-french-press"),
    RelevanceQuery(
        "english phrase", '"golden hour"', "en-golden-hour-portraits", ("en-iceland-ring-road",)
    ),
    RelevanceQuery("english phrase", '"rice cooker"', "en-rice-cooker"),
    RelevanceQuery(
        "prefix", "deplo*", "en-deploy-flask", ("en-blue-green", "en-zero-downtime-migrations")
    ),
    RelevanceQuery("prefix", "ferment*", "en-sauerkraut", ("en-sourdough-starter",)),
    RelevanceQuery("prefix", "budget*", "en-budget-spreadsheet", ("en-emergency-fund",)),
    RelevanceQuery(
        "exclusion",
        "python -django",
        "en-python-first",
        ("en-type-hints", "en-python-packaging", "en-mypy-strict", "mixed-python-scraper"),
    ),
    RelevanceQuery("exclusion", "jaguar -car", "en-pantanal-jaguar"),
    RelevanceQuery("exclusion", "salmon -fishing", "en-miso-salmon"),
    RelevanceQuery("exclusion", "苹果 -手机", "zh-apple-pie"),
    RelevanceQuery("chinese word", "数据", "zh-data-cleaning", ("zh-data-viz",)),
    RelevanceQuery(
        "chinese word",
        "旅行",
        "zh-solo-travel",
        (
            "zh-yunnan",
            "zh-kyoto",
            "zh-tibet",
            "zh-xian",
            "zh-high-speed-rail",
            "zh-hiking",
            "zh-dumpling-shop",
        ),
    ),
    RelevanceQuery("chinese word", "咖啡", "zh-pour-over", ("zh-shanghai-cafes",)),
    RelevanceQuery("chinese word", "跑步", "zh-running-knee", ("zh-first-marathon",)),
    RelevanceQuery("chinese word", "饺子", "zh-dumplings", ("zh-dumpling-shop",)),
    RelevanceQuery("chinese words", "北京烤鸭做法", "zh-peking-duck"),
    RelevanceQuery("chinese words", "云南旅行攻略", "zh-yunnan", ("zh-dali",)),
    RelevanceQuery("chinese words", "数据库索引优化", "zh-mysql-index", ("zh-pg-explain",)),
    RelevanceQuery("chinese words", "减肥早餐", "zh-healthy-breakfast", ("zh-weight-loss",)),
    RelevanceQuery("chinese words", "学吉他入门", "zh-guitar"),
    RelevanceQuery("chinese words", "宋朝历史", "zh-song-dynasty", ("zh-kaifeng",)),
    RelevanceQuery("chinese words", "红烧肉怎么做", "zh-hongshao-rou"),
    RelevanceQuery(
        "chinese words", "三国演义", "zh-three-kingdoms", ("zh-three-kingdoms-history",)
    ),
    RelevanceQuery("chinese words", "高铁 旅行", "zh-high-speed-rail"),
    RelevanceQuery("chinese character", "茶", "zh-tea-table", ("zh-pu-erh", "zh-hangzhou")),
    RelevanceQuery(
        "chinese character",
        "书",
        "zh-reading-habit",
        (
            "zh-bookstore",
            "zh-ebook",
            "zh-library",
            "zh-kids-books",
            "zh-song-dynasty",
            "zh-ming-dynasty",
            "zh-three-kingdoms",
        ),
    ),
    RelevanceQuery("mixed", "Flask 博客", "mixed-flask-blog"),
    RelevanceQuery("mixed", "Python 爬虫", "mixed-python-scraper"),
    RelevanceQuery("mixed", "Docker 部署", "mixed-docker-deploy"),
    RelevanceQuery("mixed", "Redis 缓存", "zh-redis-cache"),
    RelevanceQuery("mixed", "Lightroom 调色", "mixed-lightroom"),
    RelevanceQuery(
        "author", "jonaswebb bread", "en-weekday-bread", ("en-strong-flour", "en-sourdough-starter")
    ),
    RelevanceQuery("author", "林小鹿 大理", "zh-dali"),
    RelevanceQuery("tag", "homelab", "en-three-laptop-cluster", ("en-home-nas",)),
    RelevanceQuery(
        "tag",
        "理财",
        "zh-index-fund",
        ("zh-emergency-fund", "zh-stock", "zh-insurance", "zh-credit-card"),
    ),
)


_ENGLISH = """
=== en-sourdough-starter | jonaswebb | 120 | baking, sourdough
title: Keeping a sourdough starter alive through winter
description: My kitchen drops to fifteen degrees in January, and my sourdough starter noticed
  before I did.

A sourdough starter is a small colony of wild yeast and bacteria, and like most colonies it slows
down in the cold. In winter mine went from doubling in six hours to barely rising overnight, and
the bread that came out of it was dense and sour.

Three changes brought it back. I moved the jar to the top of the fridge, where the motor keeps it
warm. I fed it with a spoon of rye flour, which ferments faster than white flour. And I stopped
discarding on a fixed schedule and started watching it instead: when the bubbles reach the top and
the smell turns from yoghurt to vinegar, it is ready.

Fermentation is patient work. A sluggish sourdough starter is not dead; it is just cold, like the
rest of us.

=== en-sourdough-discard | jonaswebb | 30 | baking, snacks
title: Crackers from sourdough discard
description: What to do with the half jar you pour away before every feed.

Every feed means throwing out some sourdough discard, and for a year I poured it down the sink.
Now it becomes crackers.

Mix a cup of discard with olive oil, salt and a handful of seeds, spread it thin on baking paper
and bake it slowly until it snaps. The tang of the sourdough comes through, and nobody guesses
they were made from something I would have thrown away.

=== en-weekday-bread | jonaswebb | 200 | baking
title: A weekday bread you can start after work
description: A loaf that fits between getting home and going to bed, with the oven doing most of
  the work.

Most bread recipes assume you are home all day. This one assumes you get in at six and want warm
bread by ten.

Use warm water, a little more yeast than usual and a spoon of honey. Knead for five minutes, let
it rise while you cook dinner, shape it, and give it a second rise while you wash up. Bake it hot
in a covered pot for the first twenty minutes so the crust stays thin.

It is not a slow-fermented loaf and it does not pretend to be. It is good bread on a Tuesday,
which is a rarer thing.

=== en-roast-chicken | jonaswebb | 400 | cooking, chicken
title: Roast chicken with properly crispy skin
description: Dry skin, a hot oven and patience: the three things between you and a crackling roast
  chicken.

The secret to crispy skin on a roast chicken is that there is no secret, only water you have not
got rid of yet. Pat the bird dry, salt it generously and leave it uncovered in the fridge
overnight. The skin tightens and dries like parchment.

Roast it hot, at 220 degrees, breast side up on a rack so the air reaches underneath. Do not
baste: basting puts back the moisture you spent a night removing.

Let the chicken rest for fifteen minutes before carving. The skin stays crisp, the meat stays
juicy, and the pan juices make the gravy.

=== en-spatchcock-turkey | jonaswebb | 20 | cooking, holidays
title: Spatchcocking a turkey for a small oven
description: Cut out the backbone and a twelve-pound bird cooks in ninety minutes.

My oven is too small for a whole turkey sitting upright, so I spatchcock it. Cut out the backbone
with kitchen scissors, press the breastbone flat, and the bird lies in the tray like a very large
chicken.

Flat means even: the legs and the breast finish at the same time, and all of the skin faces the
heat, so it comes out crispy everywhere. Save the backbone for stock and roast the vegetables
underneath.

=== en-chicken-stock | jonaswebb | 60 | cooking, soup
title: Chicken stock from the carcass
description: Sunday's leftovers become Monday's soup.

After a roast chicken I put the carcass, any skin nobody ate, an onion, a carrot and a bay leaf
into the big pot, cover it with cold water and let it barely simmer for three hours.

Strain it, chill it and lift off the fat. The stock sets to a wobbly jelly, which is how you know
it has body. It freezes well in jars, and a risotto or a winter soup made with it tastes like it
took all day, because it did.

=== en-sauerkraut | jonaswebb | 300 | fermentation, cooking
title: Fermentation for the impatient: sauerkraut in a jar
description: Cabbage, salt and a week on the counter. No special crock needed.

Sauerkraut is the friendliest introduction to fermentation. Shred a cabbage, weigh it, and massage
in two percent of that weight in salt until the leaves go limp and release their juice.

Pack it into a clean jar, pressing hard until the brine covers the cabbage, and weigh it down with
a small bag of water. The lactic bacteria do the rest. After three days it tastes fresh and salty;
after a week it is sour; after three weeks it is properly fermented and keeps for months in the
fridge.

If you see white film on top, skim it. If it smells rotten rather than sour, start again. That
almost never happens.

=== en-miso-salmon | jonaswebb | 90 | cooking, quick dinners
title: Miso-glazed salmon in fifteen minutes
description: A weeknight dinner with four ingredients and one tray.

Stir together white miso, a little honey, soy sauce and grated ginger. Spread it over salmon
fillets and put them under a hot grill for eight to ten minutes, until the glaze bubbles and
catches at the edges.

The salmon stays pink in the middle and the fish flakes apart at the touch of a fork. Serve it
with rice and something green, and the whole dinner is done before the rice is.

=== en-rice-cooker | jonaswebb | 150 | cooking, quick dinners
title: Five dinners from a rice cooker
description: The most underrated appliance in my kitchen does far more than rice.

A basic rice cooker is a small, well-behaved pot with a thermostat. Once I understood that, I
started cooking whole dinners in it.

Chicken and rice with ginger and spring onion. Congee for a cold evening. Salmon steamed on top of
the rice in the last fifteen minutes. A one-pot mushroom pilaf. Even a soft, dense cake on the
cake setting. The rice cooker switches itself to warm when it is done, so nothing burns while I
put the children to bed.

=== en-slow-cooker-chili | jonaswebb | 10 | cooking, batch cooking
title: Slow cooker chili for a crowd
description: Feed twelve people with one pot and a morning's head start.

Brown the beef in batches, soften onions and garlic, and tip it all into the slow cooker with
tomatoes, beans, cumin and a couple of dried chillies. Eight hours on low and it is done.

I serve it with a big bowl of rice, sour cream and grated cheese, and let people build their own.
The slow cooker keeps it warm through the whole party, which is the real reason I own one.

=== en-knife-skills | jonaswebb | 700 | cooking, basics
title: Three knife skills worth practising
description: The claw, the rocking cut and keeping the blade sharp.

Good knife skills are less about speed and more about keeping your fingers. Curl them into a claw
so the knuckles guide the blade. Let the knife rock from tip to heel instead of chopping straight
down. And sharpen it more often than you think: a dull knife slips, a sharp one goes where you
send it.

Practise on onions for a week and the rest of your cooking gets faster without trying.

=== en-pie-crust | jonaswebb | 500 | baking, pastry
title: An all-butter pie crust that doesn't shrink
description: Cold butter, a little vinegar and a long rest in the fridge.

A pie crust shrinks because the gluten in the dough was stretched and wants to spring back. So
handle it less: cut cold butter into the flour until it looks like rough breadcrumbs, add iced
water with a splash of vinegar, and stop as soon as it holds together.

Rest the dough for an hour before rolling and again after lining the tin. Blind bake it with the
weights right up to the rim. It comes out flaky and exactly the size of the tin.

=== en-espresso-dialing | samuelokafor | 250 | coffee
title: Dialing in espresso at home without losing your mind
description: Change one thing at a time: grind, dose, then time.

Dialing in espresso is a loop. Weigh the coffee going in, weigh the espresso coming out, and time
the shot. A good starting point is eighteen grams in, thirty-six grams out, in about thirty
seconds.

If the espresso tastes sour and runs fast, grind finer. If it tastes bitter and drips slowly,
grind coarser. Change one variable per shot and write it down, or you will go round in circles for
a whole bag of beans.

Fresh beans matter more than the machine. Two weeks after roasting is the sweet spot for espresso.

=== en-french-press | samuelokafor | 800 | coffee
title: French press coffee, the slow way
description: A coarse grind, four minutes, and a trick for a cleaner cup.

The French press is the most forgiving way to make coffee, and the most often rushed. Grind
coarse, like sea salt. Pour water just off the boil over the grounds, stir once, put the lid on
and wait four minutes.

Then, instead of plunging, break the crust on top, skim off the foam with two spoons and wait
another five minutes for the fines to settle. Press the plunger only to the surface of the coffee
and pour gently. The cup is clearer and sweeter than any French press coffee I made before.

=== en-coffee-grinders | samuelokafor | 160 | coffee, gear
title: Why the grinder matters more than the coffee machine
description: If you can spend money on only one thing, spend it here.

An expensive espresso machine cannot rescue coffee from a cheap blade grinder. Blades shatter
beans into dust and boulders; the dust over-extracts and turns bitter, the boulders under-extract
and taste sour.

A burr grinder gives you even particles, and that is what makes every method work: fine and
consistent for espresso, medium for filter, coarse for a French press. Buy the best grinder you
can afford and the simplest brewer, and upgrade the brewer later.

=== en-vinyl-collecting | samuelokafor | 300 | music, vinyl
title: Starting a vinyl record collection on a budget
description: Charity shops, library sales and learning what a clean groove looks like.

I started collecting vinyl records three years ago with twenty pounds and a borrowed turntable.
Most of my collection came from charity shops and church sales, where records sell for a pound or
two.

Learn to inspect a record under a light: hairline scratches are usually fine, deep ones that you
can feel with a fingernail are not. Check the sleeve for water damage. And buy what you want to
listen to, not what is supposed to be valuable. A vinyl collection is for playing.

=== en-turntable-setup | samuelokafor | 15 | music, gear
title: Setting up a turntable: the three mistakes I made
description: Tracking force, anti-skate and where I put the speakers.

When I finally bought my own turntable, my vinyl records sounded worse than on the cheap one I had
borrowed. I had made three mistakes.

I never set the tracking force, so the stylus skated across the grooves. I left the anti-skate at
zero. And I put the turntable on the same shelf as a speaker, so every bass note shook the needle.
Balance the tone arm, set the force the cartridge maker recommends, and keep the deck away from
the speakers: the records will thank you.

=== en-guitar-practice | samuelokafor | 340 | music, guitar
title: Practising guitar twenty minutes a day
description: Short, focused practice beats a long weekend session.

For years I practised guitar in long bursts on Sundays and made little progress. Then I switched
to twenty minutes every day: five minutes of scales, ten on one difficult passage played slowly,
five playing something I love.

The slow part is the point. Playing a passage at half speed without mistakes teaches your hands
more than playing it fast and sloppy a hundred times.

=== en-jazz-listening | samuelokafor | 100 | music, jazz
title: Where to start with jazz: ten records
description: A listening list for people who think jazz is not for them.

Jazz can feel like a wall of records with no door. Start with Kind of Blue, then Time Out, then
Ella and Louis. Each of these records is melodic enough to hum and strange enough to reward a
second listen.

Listen on whatever you have; you do not need vinyl or a good stereo to hear why these records
lasted. Pick one track a day and listen to it twice: once for the tune, once for the drummer.

=== en-home-recording | samuelokafor | 450 | music, recording
title: Recording vocals in a small bedroom
description: Duvets, distance and a cheap microphone used well.

You do not need a studio to record clean vocals, but you do need to kill the echo of a small, bare
room. Hang a duvet behind the singer, stand a bookcase to the side, and record in the corner
facing into the room.

Keep the singer a hand's width from the microphone with a pop filter in between. Record several
takes and keep the best lines from each. The room will never sound like a studio, but it can sound
like nothing at all, which is what you want.

=== en-night-trains | priyanair | 180 | travel, trains
title: Crossing Europe by night train
description: Vienna to Brussels, Zurich to Amsterdam: falling asleep in one country and waking in
  another.

Night trains are back in Europe, and they are the most civilised way I know to travel. Last spring
I crossed the continent in three overnight journeys and spent not a single night in a hotel.

Book a couchette if you are on a budget, a sleeper cabin if you want a door that locks and a
washbasin. Bring earplugs, a bottle of water and a picnic, because the dining car is often just a
trolley.

The magic of the night train is waking up to a different landscape. I went to sleep among Austrian
mountains and woke to Belgian fields, with coffee delivered to the door.

=== en-interrail | priyanair | 500 | travel, budget travel
title: Interrail on a budget: what a month of train travel cost
description: Every euro of a thirty-day rail pass journey, written down.

I spent a month travelling around Europe by train on a global Interrail pass and wrote down
everything I spent. The pass itself was the biggest cost; seat reservations added more than I
expected, especially on fast trains in France and Italy.

I saved the most by taking a night train whenever a journey was longer than six hours: the fare
replaced a night in a hostel. Food from markets, free walking tours and a few very long days did
the rest.

Train travel in Europe is not the cheapest option, but it was the one I enjoyed every hour of.

=== en-japan-rail-pass | priyanair | 25 | travel, japan
title: Is the Japan Rail Pass still worth it?
description: After the price rise, the answer depends on your route.

The Japan Rail Pass used to be the obvious choice for any trip. After the big price rise, it pays
off only if you take several long shinkansen journeys in a week.

Compared with train travel in Europe, Japanese trains are astonishingly punctual, but there are
almost no night trains left: the last sleeper runs only between Tokyo and the coast. For long hops
on a budget, I took night buses instead and used regional passes for the rest.

=== en-rome-three-days | priyanair | 900 | travel, italy
title: Three days in Rome with a toddler
description: Fountains, gelato and the sights a three-year-old actually enjoys.

Rome with a toddler is slower than Rome without one, and better for it. We skipped the Vatican
queues and spent the mornings at the Pantheon, the Trevi Fountain and the small piazzas where
children chase pigeons.

Afternoons were for naps, evenings for pizza in Trastevere. The cobbles are hard on buggies, so
bring a carrier. And every Roman water fountain, the nasoni, gives cold, clean drinking water: our
daughter made a game of finding them all over Rome.

=== en-iceland-ring-road | priyanair | 45 | travel, photography
title: Iceland's Ring Road in winter
description: Short days, long shadows and driving on ice.

In December Iceland gets four hours of daylight, and the sun never climbs far above the horizon.
For a photographer that means the golden hour lasts most of the day: low, warm light on black sand
and blue ice.

The Ring Road itself is usually open, but check the road conditions every morning and never drive
into a storm. We planned for half the distance we would manage in summer and still had to turn
back twice.

=== en-golden-hour-portraits | priyanair | 220 | photography, portraits
title: Golden hour portraits with one reflector
description: The hour before sunset does most of the work; a reflector does the rest.

Golden hour is the hour after sunrise and before sunset, when the sun is low and its light is warm
and soft. For portraits it is the most flattering light there is.

Put the sun behind your subject so it lights their hair, then use a cheap reflector to bounce
light back into their face. Expose for the face, not the sky. Shoot wide open for a soft
background, and work quickly: golden hour lasts less than an hour in summer and much less in
winter.

=== en-aperture-basics | priyanair | 600 | photography, basics
title: Aperture, explained with a kitchen window
description: What f-numbers mean, and why a small number lets in more light.

The aperture is the opening in the lens that lets light in. Think of a kitchen window: open it
wide and the room fills with light; close it to a slit and you need to wait longer for the same
brightness.

Aperture is written as an f-number, and the confusing part is that a small number, like f/1.8,
means a wide opening. A wide aperture gives a blurry background; a narrow aperture, like f/11,
keeps everything from the front to the horizon sharp. Choose the aperture first for the picture
you want, then adjust shutter speed and ISO to match.

=== en-film-camera | priyanair | 130 | photography, film
title: Buying a first film camera: a beginner's guide
description: Which film camera to buy first, what to pay and what to check before you do.

Every beginner asks which film camera to buy first. My answer: a simple manual camera with a
working light meter, from a seller who lets you return it.

Check that the shutter fires at every speed, that the light seals are not sticky, and that the
lens is free of haze and fungus. Buy a roll of cheap colour film and shoot it in a week. As a
beginner you will learn more from your first thirty-six mistakes than from any guide, including
this one.

=== en-darkroom | priyanair | 30 | photography, film
title: Developing black-and-white film in a bathroom
description: A changing bag, a tank, three chemicals and a shower curtain rail.

Developing your own film is easier than it looks and cheaper than sending it away. You need a
changing bag to load the film into the tank in the dark, a developer, a fixer and water.

Even a beginner with a secondhand film camera can get good negatives on the first try: follow the
times on the developer bottle, agitate gently, and hang the film from the shower rail to dry.

=== en-pantanal-jaguar | priyanair | 260 | travel, wildlife
title: Looking for a jaguar in the Pantanal
description: Five days on the rivers of the world's largest wetland.

The Pantanal in Brazil is the best place on earth to see a wild jaguar, and we still needed four
days. Every morning we went out by boat along the rivers at dawn, scanning the banks for a spotted
shape in the shade.

On the fourth afternoon a jaguar walked out of the reeds, drank from the river and lay down on the
sand twenty metres from us. Nobody spoke for ten minutes. Caimans, capybaras and giant otters are
everywhere, but the jaguar is what you remember.

=== en-etype-restoration | samuelokafor | 40 | cars, restoration
title: Restoring a 1968 Jaguar E-Type with my father
description: Three years, one garage and more rust than car.

My father bought the Jaguar in 1985 and parked it in the garage in 1990. We started restoring it
together when he retired, and it took three years.

The bodywork was the hardest part: the sills had rusted through and the floor was more hole than
metal. The engine, a straight six, came back to life after a rebuild. The first drive in the
restored car, with my father at the wheel, was worth every weekend.

=== en-lisbon-trams | priyanair | 75 | travel, portugal
title: Lisbon by tram and on foot
description: Tram 28, the miradouros and the best custard tarts.

Lisbon is a city of hills, and the old yellow trams climb them so you do not have to. Tram 28 is
the famous one and always full, so ride it early in the morning.

Walk down instead of up, stopping at the miradouros, the viewpoints over the river. Order a bica,
the local espresso, at a counter and a custard tart still warm from the oven.

=== en-sf-weekend | priyanair | 5 | travel, usa
title: A foggy weekend in San Francisco
description: Cable cars, the bay and a bowl of clam chowder.

San Francisco in summer is cold and grey, so pack a jumper. We rode the cable cars, walked across
the Golden Gate Bridge in fog so thick we could not see the towers, and ate clam chowder out of a
sourdough bread bowl at the wharf.

The best day was the quietest: a morning in Golden Gate Park and an afternoon in the bookshops of
North Beach.

=== en-alaska-salmon-fishing | priyanair | 400 | travel, fishing
title: Salmon fishing on the Kenai River
description: A week in Alaska, a borrowed rod and one very large fish.

The Kenai River in July is full of salmon and full of people fishing for them. We stood shoulder
to shoulder with locals and caught nothing for three days.

On the fourth day a guide took us upriver, showed us how to read the current, and I landed a king
salmon that weighed as much as my daughter. We ate it grilled that night, and it was the best
salmon of my life.

=== en-camera-bag | priyanair | 12 | photography, travel
title: What's in my camera bag for a two-week trip
description: One body, two lenses, and the small things that save a shoot.

For a two-week trip I carry one camera body, a small zoom and a fast prime. The prime's wide
aperture is for evenings and interiors; the zoom does everything else.

I also pack spare batteries, a lens cloth, a small tripod and, lately, an old film camera with two
rolls of film. It slows me down in a good way. Beginners tend to pack too much; you will shoot
more with a lighter bag.

=== en-roman-roads | hollisreads | 350 | history, engineering
title: How Roman roads were built
description: Layers of stone, a camber for the rain, and milestones all the way back to Rome.

A Roman road was not a path but a structure. Engineers dug a trench down to firm ground, then laid
large stones, a layer of rubble and gravel, and finally fitted paving slabs, curved in a camber so
rainwater ran off to the ditches.

The network grew to eighty thousand kilometres, and the milestones along it counted the distance
back to Rome. Many modern European roads still follow the old lines, because the Roman surveyors
chose them well.

=== en-bread-history | hollisreads | 150 | history, food
title: A short history of bread in London
description: From medieval assizes to the sliced loaf.

Bread was so central to life in medieval London that its price and weight were fixed by law, and
bakers who sold short loaves were dragged through the streets with the offending bread around
their necks.

The industrial revolution brought white flour to everyone, the twentieth century brought the
sliced loaf, and the last twenty years have brought the small bakeries back. The history of bread
in London is, in miniature, the history of the city.

=== en-tolkien-reread | hollisreads | 300 | books, fantasy
title: Rereading The Lord of the Rings at forty
description: The book I loved at twelve is a different book now.

At twelve I read The Lord of the Rings for the battles. At forty I read it for the grief: for the
long goodbyes, the Shire that Frodo saves and cannot keep, the elves leaving Middle-earth.

The songs I skipped as a child are now my favourite parts. The slow chapters are the point. A
great book changes as you do, and this one has changed more than most.

=== en-library-card | hollisreads | 80 | books, libraries
title: In praise of the public library card
description: The best free thing in any town.

My library card has saved me more money than any app. Books, of course, but also audiobooks,
newspapers, language courses, and a warm quiet room on a cold afternoon.

Libraries lend more than books now: in my town you can borrow a sewing machine, a telescope or a
set of tools. Use yours; a library that is used is a library that stays open.

=== en-coffeehouses | hollisreads | 700 | history, coffee
title: London's coffeehouses and the birth of the newspaper
description: For a penny you got a cup of coffee and all the news in town.

In the seventeenth century, London's coffeehouses were called penny universities: for the price of
a cup of coffee you could sit for hours and listen to merchants, scientists and gossips.

Each coffeehouse had its trade. Shipping insurance started at Lloyd's; the stock exchange grew
from Jonathan's. And the newsletters passed from table to table became the first newspapers.

=== en-black-death | hollisreads | 1000 | history, economics
title: What the Black Death did to wages
description: A third of Europe died, and the survivors asked for more money.

The plague of 1348 killed perhaps a third of Europe's people. For those who survived, the world
was suddenly short of hands: fields went unharvested and landlords competed for labourers.

Wages rose, despite laws trying to hold them down, and for a century ordinary people in England
ate better than their grandparents had. Historians still argue about how much the Black Death
shaped the end of serfdom.

=== en-reading-slump | hollisreads | 20 | books, reading
title: Getting out of a reading slump
description: Short books, old favourites and permission to stop.

Every few years I stop reading for months. What gets me out is always the same: a short book,
something I have read before, and permission to abandon anything that does not grab me within
fifty pages.

Poetry helps, and so do graphic novels. A reading slump is not a moral failure; it is usually just
tiredness.

=== en-map-collecting | hollisreads | 600 | history, collecting
title: Old maps and why I collect them
description: Every old map is wrong in an interesting way.

I collect old county maps, mostly from the eighteenth century, and love them for their mistakes:
rivers that bend the wrong way, towns that have since vanished, sea monsters in the margins.

An old map tells you what its maker knew and what they wanted you to believe. Printed maps from
that period are still affordable if you buy from auctions rather than dealers.

=== en-printing-press | hollisreads | 240 | history, books
title: The printing press and the first bestsellers
description: What people bought when books suddenly became cheap.

Within fifty years of Gutenberg's printing press, there were presses in more than two hundred
European cities. Venice and Paris became the centres of the trade, and French printers competed to
sell the cheapest prayer books.

The first bestsellers were not what we would expect: almanacs, sermons, and guides to
letter-writing. The press did not just copy books faster; it changed which books got written.

=== en-houseplants | hollisreads | 110 | home, plants
title: Keeping houseplants alive in a north-facing flat
description: Low light, dry air and a watering can used sparingly.

My flat faces north, and for years every plant I bought died within a season. The survivors taught
me what works: snake plants, pothos, ferns in the bathroom, and a ZZ plant that ignores me
completely.

Most houseplants are killed by too much water, not too little. Water when the top of the soil is
dry, and move the pots closer to the window in winter.

=== en-ww1-letters | hollisreads | 420 | history, family
title: Reading my great-grandfather's letters from 1916
description: Forty letters home from the Somme, and what he left out.

My great-grandfather wrote forty letters home in 1916, and they are almost cheerful. He writes
about the weather, the food, a dog that followed the company for weeks.

What he does not write about is the fighting. Reading them beside the war diary of his battalion,
I can see the days he was in the line, and the letters from those days are the shortest of all.

=== en-book-club | hollisreads | 190 | books, community
title: Running a book club that lasts
description: Ten years, eight members and three rules.

Our book club has met every month for ten years. We have three rules: the host chooses the book,
nobody has to finish it, and the discussion starts before the wine.

Short books work better than long ones, and disagreement is the best part of the evening. A book
everybody liked is usually the dullest meeting of the year.

=== en-history-of-tea | hollisreads | 800 | history, tea
title: How tea reached England
description: A Portuguese princess, the East India Company and a very expensive drink.

Tea arrived in England in the 1650s as an exotic medicine, sold in the same coffeehouses as
coffee. It became fashionable when Catherine of Braganza, a Portuguese princess, married Charles
the Second and brought her habit of drinking it.

For a century tea was heavily taxed and widely smuggled. When the tax was cut in 1784, tea became
the drink of everybody, and it has stayed that way.

=== en-first-marathon | tessaford | 310 | running, marathon
title: A sixteen-week training plan for a first marathon
description: Four runs a week, one long run, and rest taken seriously.

My first marathon training plan had three rules. Run four times a week: two easy runs, one run
with some faster intervals, and a long run at the weekend. Add no more than ten percent to the
long run each week. And take the rest days as seriously as the runs.

The long run peaks at about thirty-two kilometres three weeks before the marathon, then the plan
tapers. Most people who get injured in training do too much too soon; a sixteen-week plan gives
you time to build slowly.

=== en-half-marathon | tessaford | 50 | running
title: What I changed before my second half marathon
description: Slower easy runs, more sleep and a training plan I actually followed.

My first half marathon hurt more than it should have, mostly because I ran every training run too
fast. For the second, I slowed my easy runs until I could talk in full sentences.

I wrote the training plan on the fridge and followed it, including the rest days. I went to sleep
an hour earlier. I finished eleven minutes faster and could walk the next day. I am not sure I
want to run a full marathon, but now I believe I could.

=== en-running-shoes | tessaford | 95 | running, gear
title: Choosing running shoes without the hype
description: Comfort is the best predictor of a good shoe.

Running shoe advertising promises speed, bounce and fewer injuries. The research is less exciting:
the best predictor of a good shoe is that it feels comfortable the moment you put it on.

Try several pairs in a shop with a treadmill, run a few minutes in each, and buy the one you
forget you are wearing. Save carbon-plated racing shoes for a marathon, if you ever run one.

=== en-sleep-schedule | tessaford | 140 | health, sleep
title: A month of going to sleep at the same time
description: Bedtime at half past ten, every night, weekends included.

For a month I went to sleep at half past ten and got up at half past six, every day, weekends
included. The first week was miserable; by the third, I was falling asleep within minutes and
waking before the alarm.

Regular sleep did more for my mood than any supplement. The hardest part was Friday evenings. The
best part was discovering that I am not, as I had always said, a bad sleeper, just an irregular
one.

=== en-meditation | tessaford | 70 | health, habits
title: Ten minutes of meditation before work
description: No app, no incense, just a timer and a chair.

I meditate for ten minutes every morning before opening my laptop. I sit on a chair, set a timer,
and count breaths up to ten, starting again whenever my mind wanders, which is often.

It has not made me calm. It has made me notice sooner when I am not calm, which is more useful. It
also helps me sleep on the nights I cannot switch off.

=== en-mortgage-overpay | tessaford | 200 | finance, housing
title: Should you overpay your mortgage?
description: It depends on your rate, your savings and how you sleep at night.

Overpaying a mortgage is a guaranteed return equal to your interest rate. When mortgage rates were
one percent, that was a poor deal compared with saving or investing; at five percent it looks much
better.

Before overpaying, build an emergency fund and check your mortgage allows overpayments without a
fee. Then decide between shortening the term or lowering the monthly payment. For many people the
real return is peace of mind: a mortgage paid off ten years early.

=== en-budget-spreadsheet | tessaford | 380 | finance, budgeting
title: Budgeting with one spreadsheet and no apps
description: Twelve columns, one row per category, and twenty minutes a month.

I have tried every budgeting app and gone back to a single spreadsheet each time. One row per
category, one column per month, and a total at the bottom that tells me whether the budget worked.

The secret of budgeting is not the tool but the habit. Once a month I export my bank statement,
sort it into the categories and compare it with the budget. Twenty minutes, and I know exactly
where the money went.

=== en-emergency-fund | tessaford | 30 | finance, savings
title: Building an emergency fund on an irregular income
description: Freelancers need a bigger cushion, and a different way to build it.

As a freelancer my income arrives in lumps, so my emergency fund has to be bigger than the usual
three months of spending. I aim for six.

I build it by paying myself a fixed salary from a business account and keeping a simple budget for
the months in between. Any surplus goes to the emergency fund first, before overpaying the
mortgage or investing.

=== en-index-funds | tessaford | 450 | finance, investing
title: Index funds for people who hate finance
description: Buy the whole market, keep costs low and stop looking.

If finance bores you, an index fund is your friend. Instead of picking shares, you buy a small
piece of every company in the market, and fees are a fraction of what an active fund charges.

Invest a fixed amount every month, whatever the news says, and check it once a year. It is the
dullest strategy there is, and over twenty years it beats most of the clever ones.

=== en-credit-score | tessaford | 120 | finance
title: What actually moves a credit score
description: Paying on time, using little of your limit, and patience.

Your credit score matters most when you apply for a mortgage. The things that move it are boring:
paying every bill on time, using a small share of your credit limit, and keeping old accounts open.

Checking your own score does not lower it. Applying for many credit cards in a month does.

=== en-swimming | tessaford | 35 | health, swimming
title: Learning to swim properly at thirty-five
description: Front crawl lessons, goggles and swallowing less of the pool.

I could always stay afloat, but I could not swim a length of front crawl without stopping. At
thirty-five I booked lessons at the local pool.

The instructor made me slow down and breathe out under water. The connection between breathing and
the stroke was what I had been missing. Now I swim a kilometre twice a week and the pool is the
calmest hour of my week.

=== en-strength-training | tessaford | 8 | running, strength
title: Strength training for runners
description: Two short sessions a week that keep you running.

Runners avoid the gym, and then get injured. Two short strength sessions a week make tendons and
muscles strong enough for the mileage: squats, lunges, calf raises and a plank.

If you are following a marathon plan, keep the strength training on easy days and never the day
before a long run. Even twenty minutes counts.

=== en-knee-pain | tessaford | 220 | running, health
title: Runner's knee and what finally helped
description: Rest, then strength, then a slow return.

Runner's knee is a dull ache around the kneecap that gets worse on stairs. Mine lasted four months
because I kept running through it.

What helped was two weeks off, a physiotherapist, and exercises for my hips and thighs. When I
started again I ran every other day, on soft ground, and added distance slowly.

=== en-standing-desk | tessaford | 160 | health, work
title: Six months at a standing desk
description: Standing all day is no better than sitting all day.

I bought a standing desk expecting my back pain to vanish. It did not, at first, because I stood
all day instead of sitting all day.

What works is moving: standing for calls, sitting to write, and getting up every half hour. The
desk helps because it makes changing position easy.

=== en-journaling | tessaford | 65 | habits, writing
title: Why I keep a paper journal
description: Five minutes at night, no rules, no screens.

Every night before sleep I write in a paper notebook for five minutes. No prompts, no gratitude
lists, just what happened and what is on my mind.

It is the only writing I do that nobody will read. It helps me put the day down before bed, and
looking back a year later is a surprise every time.

=== en-bike-commute | tessaford | 260 | cycling, habits
title: A year of commuting by bike
description: Eleven kilometres each way, in all weather.

I have cycled to work for a year, eleven kilometres each way. I arrive awake, I sleep better, and
I spend far less on transport, which my budget appreciates.

Good lights and waterproof trousers made the winter bearable. A folding lock and a route along the
canal made it a pleasure.

=== en-pg-slow-query | mkowalski | 160 | postgresql, performance
title: Finding a slow query: the index Postgres ignored
description: We had the right index. Postgres refused to use it, and the planner was right to.

Our slowest endpoint took four seconds, and the logs pointed at one slow query: a search for
recent orders by customer. There was an index on the customer column, and Postgres ignored it.

EXPLAIN ANALYZE showed why. The query wrapped the column in lower(), so the plain index could not
be used and PostgreSQL scanned the whole table. An expression index on lower(email) fixed it, and
the slow query became a two-millisecond one.

Before adding an index, read the plan. Postgres usually knows something you do not.

=== en-pg-index-types | mkowalski | 420 | postgresql, databases
title: B-tree, GIN, BRIN: choosing a Postgres index
description: Which index type fits which column, with examples.

Postgres offers several kinds of index, and the default B-tree is right most of the time:
equality, ranges and sorting. A GIN index is for values with many parts, such as arrays, JSON
documents and full-text search. A BRIN index is tiny and works on huge tables whose rows arrive in
order, like logs.

Choosing the wrong index rarely makes a query slow on its own, but a missing one does. Start with
B-tree, measure, and reach for the others when a slow query tells you to.

=== en-explain-analyze | mkowalski | 60 | postgresql, performance
title: Reading EXPLAIN ANALYZE output
description: Start at the innermost node, compare estimates with actual rows.

EXPLAIN ANALYZE runs a query and shows the plan PostgreSQL chose, with real timings. Read it from
the innermost node outwards.

Compare estimated rows with actual rows on every line: when they differ by a factor of a hundred,
the planner was guessing, and a slow query usually follows. Look for sequential scans on big
tables where you expected an index, and for nested loops over thousands of rows. Run ANALYZE on
the table and check again; Postgres plans with the statistics it has.

=== en-sql-window-functions | mkowalski | 260 | sql, postgresql
title: Window functions made my reports readable
description: Running totals and rankings without self-joins.

Our monthly reports were built from self-joins that nobody could read. Rewriting them with window
functions in Postgres made each query half as long.

A running total is sum() over a window ordered by date; the top three products per region is
rank() over a window partitioned by region. The old version was also a slow query, although an
index on the date column helped both.

=== en-connection-pool | mkowalski | 280 | databases, performance
title: Sizing a database connection pool
description: More connections is not more throughput.

When a web app gets slow, the first instinct is to make the database connection pool bigger. It
rarely helps. A database server has a fixed number of cores; past a few connections per core,
extra connections just wait for locks and for each other.

A good starting point for the connection pool is twice the number of database cores, shared across
every web process. If requests queue for a connection, find the slow queries holding them first. A
small connection pool with fast queries beats a big one with slow ones every time.

=== en-pgbouncer | mkowalski | 100 | postgresql, operations
title: PgBouncer in transaction mode: the gotchas
description: Prepared statements, session settings and advisory locks.

PgBouncer sits between your application and PostgreSQL and keeps a connection pool of real server
connections. In transaction mode each transaction may run on a different server connection, which
is what lets a few dozen connections serve thousands of clients.

The catch is that anything tied to a session breaks: SET commands, session advisory locks, and
prepared statements on older versions. Keep each unit of work inside one transaction and your
application will not notice the connection pool at all.

=== en-type-hints | mkowalski | 190 | python, typing
title: Type hints that actually help
description: Annotate the boundaries first; let the checker infer the rest.

Adding type hints to a large Python codebase is tempting to do everywhere at once. Start at the
boundaries instead: public functions, data classes and anything that crosses a module.

Good type hints document intent. A function that takes a Sequence of str and returns a dict tells
the next reader more than its docstring. Let the type checker infer local variables, and reach for
Protocol instead of base classes when you only care about what an object can do. Python stays
dynamic; the hints are there for people and tools.

=== en-mypy-strict | mkowalski | 45 | python, typing
title: Turning on mypy strict mode in an old codebase
description: One package at a time, with a baseline and a deadline.

We turned on mypy strict mode across a ten-year-old Python codebase without stopping feature work.
The trick was to go package by package: strict for new code from day one, and a list of old
modules to fix, shrinking every sprint.

Most errors were missing type hints on function signatures and Optional values used without a
check. Two real bugs turned up in the first week, which paid for the effort.

=== en-python-first | mkowalski | 330 | python, teaching
title: Python as a first language: what I teach in week one
description: Variables, loops, functions, and a program that does something real on day three.

I teach Python to adults who have never programmed. In the first week we cover variables, lists,
loops and functions, and by the third day everyone writes a Python program that reads a file and
prints something they care about.

Python works as a first language because the syntax gets out of the way. We skip classes and
decorators entirely. The goal of week one is not to know Python but to believe you can learn it.

=== en-python-packaging | mkowalski | 70 | python, packaging
title: Packaging a library with pyproject.toml
description: One file replaces setup.py, setup.cfg and requirements.txt.

Python packaging used to mean three files and a lot of guessing. Today a single pyproject.toml
describes the project: name, version, dependencies and the build backend.

Use a src layout so your tests import the installed package, pin nothing in a library, and let a
lock file pin everything in applications. Building and publishing a wheel is two commands.

=== en-flask-vs-django | mkowalski | 210 | python, django, flask
title: Flask or Django for a small team?
description: Batteries included versus choose your own.

For a small team starting a Python web project, the question is usually Flask or Django. Django
gives you an ORM, admin, migrations and authentication on the first day. Flask gives you routing
and templates and lets you choose the rest.

If your app is a classic database-backed site with an admin, Django will save months. If it is an
API or has an unusual shape, Flask's freedom is worth the extra decisions.

=== en-django-orm | mkowalski | 370 | python, django
title: The Django ORM N+1 problem, and how to spot it
description: One query for the list, one more for every row.

The N+1 problem is the most common performance bug in Django apps: a template loops over a list of
articles and touches article.author, and the ORM runs one query per row.

Use select_related for foreign keys and prefetch_related for many-to-many relations, and install a
query counter in your tests so the regression never comes back.

=== en-deploy-flask | mkowalski | 240 | flask, deployment
title: Deploying a Flask app with gunicorn and nginx
description: From a virtualenv on your laptop to a service that survives reboots.

Deploying a Flask app to a single server takes four pieces: gunicorn to run the Python code, nginx
in front to serve static files and terminate TLS, systemd to restart everything after a reboot,
and a script so you can deploy the same way every time.

Run gunicorn with a few worker threads bound to a local socket, point nginx at it, and keep
secrets in an environment file readable only by the service. My deploy script pulls the new
release, installs the lock file, runs migrations and reloads gunicorn gracefully.

=== en-blue-green | mkowalski | 90 | deployment, operations
title: Blue-green releases on a single server
description: Two copies of the app, one symlink, and instant rollbacks.

You do not need a cluster for zero-downtime releases. On one server, keep two copies of the app,
blue and green, each with its own gunicorn on its own port.

To deploy, update the idle copy, check its health endpoint, then switch nginx to it with a reload.
If something is wrong, switching back takes a second. Every deploy becomes boring, which is the
point.

=== en-zero-downtime-migrations | mkowalski | 130 | databases, deployment
title: Zero-downtime schema migrations
description: Expand, migrate, contract: changing a table while the old code still reads it.

A schema migration that locks a busy table for a minute is an outage. The safe pattern has three
steps, each in its own deploy: expand the schema so old and new code both work, migrate the data
in small batches, and contract by removing what the old code needed.

Add columns as nullable, build indexes concurrently, and never rename a column in one deploy.

=== en-git-rebase | mkowalski | 500 | git, tools
title: Using git rebase without fear
description: Interactive rebase, the reflog and the one rule.

Git rebase rewrites history, which is why people fear it. The one rule: do not rebase commits that
others have already pulled.

On your own branch, interactive rebase is a gift. Squash the fixup commits, reword the vague
messages and reorder changes so each commit tells one story. If anything goes wrong, git reflog
shows where your branch was before, and one reset brings it back.

=== en-git-bisect | mkowalski | 40 | git, debugging
title: Finding a bug with git bisect
description: A binary search through history finds the guilty commit in minutes.

When something worked last month and is broken today, git bisect finds the commit that broke it.
Mark a good commit and a bad one, and git checks out the middle; test it, say good or bad, and
repeat.

Write a small script that exits non-zero on failure and git bisect run does the whole search by
itself. It works best on a history of small commits, which is another reason to tidy branches with
rebase before merging.

=== en-three-laptop-cluster | mkowalski | 170 | homelab, kubernetes
title: Running a small cluster on three old laptops
description: k3s, a cheap switch and a shelf in the hallway.

I had three old laptops in a drawer and wanted to learn Kubernetes without a cloud bill. Each
laptop has a built-in battery, which makes it a small server with its own power backup.

I installed k3s, joined the three machines into one cluster and ran my personal services on it: a
photo gallery, a feed reader, a backup job. It is the most educational homelab project I have
done, and it runs on the power of one light bulb.

=== en-home-nas | mkowalski | 65 | storage, family
title: A quiet NAS for family photos
description: Two mirrored disks, a fanless box and automatic backups.

Our family photos lived on a single external drive, which is to say they were waiting to be lost.
I built a small NAS with two mirrored disks in a fanless case that sits silently in the hallway.

Every phone uploads to it overnight, and a weekly job copies everything to a drive at my parents'
house. It started as part of my homelab and has become the one machine the whole family depends on.

=== en-sqlite-production | mkowalski | 230 | databases, sqlite
title: SQLite in production is fine (mostly)
description: WAL mode, one writer, and knowing when to move on.

For a site with a modest write load, SQLite is a fine production database. Turn on WAL mode so
readers never block the writer, set a busy timeout, and keep transactions short.

You do not get a connection pool to tune or a server to patch. You do get one writer at a time, so
when writes start queueing, it is time for PostgreSQL.

=== en-typescript-migration | mkowalski | 300 | javascript, typescript
title: Moving a frontend to TypeScript
description: Allow JavaScript, rename files one by one, and tighten as you go.

We moved a forty-thousand-line frontend to TypeScript over six months. The compiler allowed plain
JavaScript files alongside TypeScript ones, so we renamed files one at a time, starting with the
utilities everyone imports.

The first pass used loose settings; strict mode came last. The biggest win was not fewer bugs but
easier refactoring.

=== en-regex | mkowalski | 900 | tools, text
title: Regular expressions I actually use
description: Ten patterns that cover most of my days.

Most of my regular expressions are small: trimming whitespace, matching a date, finding a word at
the start of a line. I keep ten of them in a notes file and rarely need more.

Anchor your patterns, prefer explicit character classes to dots, and test them against the strings
they must not match as well as the ones they must.

=== en-code-review | mkowalski | 15 | teamwork, code review
title: What I look for in a code review
description: Correctness first, then names, then everything else.

In a code review I read the tests before the code, because they say what the author thinks the
change does. Then I check the names, because a bad name is a bug waiting for the next reader.

I try not to comment on style a formatter could fix, and I ask how the change will be deployed and
rolled back if it touches the database.

=== en-rust-cli | mkowalski | 110 | rust, tools
title: Writing my first command-line tool in Rust
description: A log filter, clap for arguments and a surprise speedup.

My first Rust program was a small command-line tool that filters our JSON logs. I had written the
same tool in Python years ago, so I could compare.

The borrow checker slowed me down for a week; after that, the compiler felt like a patient
reviewer. The Rust version is twenty times faster and a single binary, which made it easy to share.

=== en-caching-http | mkowalski | 140 | web, performance
title: HTTP caching headers, briefly
description: Cache-Control, ETags and the difference between no-cache and no-store.

The fastest request is the one never made. Cache-Control tells browsers and proxies how long they
may reuse a response; an ETag lets them ask whether it changed without downloading it again.

no-cache means check before reusing, not do not cache; no-store means never keep it. Get these
right and your database sees far fewer queries.

=== en-redis-sessions | mkowalski | 25 | redis, web
title: Storing sessions in Redis
description: Server-side sessions that every web process can read.

When a site runs on several servers, sessions stored in memory are lost whenever a request lands
on another machine. Storing them in Redis fixes that: every process reads the same session.

Set an expiry on every key, use a separate Redis database from the cache, and remember that the
client library keeps a connection pool of its own, one per process.

=== en-unit-tests | mkowalski | 75 | testing
title: Tests that tell you what broke
description: One behaviour per test, and a name that reads like a sentence.

A good test failure tells you what broke without opening the code. Name each test after the
behaviour it checks, assert one thing, and build the data the test needs inside the test.

Our Python test suite runs in ninety seconds; we keep it that way by deleting slow tests that
duplicate fast ones.

=== en-inbox-zero | mkowalski | 600 | productivity, email
title: Inbox zero is a trap
description: Email is other people's priorities. Answer it twice a day.

I spent years chasing an empty inbox, and it made me a fast replier and a slow worker. Now I read
email twice a day, answer what takes two minutes, and move everything else into a list I look at
on Monday.

The inbox is never empty. The work gets done.

=== en-podcast-mic | samuelokafor | 55 | audio, podcasting
title: Choosing a microphone for a podcast
description: Dynamic beats condenser in an untreated room.

Most new podcasters buy a condenser microphone because it looks professional, and then wonder why
every recording sounds like a bathroom. A condenser hears the whole room.

A dynamic microphone held close to your mouth hears you and not much else. Pair it with a simple
USB interface and you will sound better than with a microphone costing three times as much.

=== en-concert-photography | samuelokafor | 22 | photography, music
title: Shooting concerts from the back of the room
description: Fast lenses, high ISO and waiting for the light.

Concert photography is a fight for light. I shoot with the widest aperture my lens allows and push
the ISO higher than feels comfortable, because a grainy sharp photo beats a clean blurry one.

Watch the lighting cues: most bands repeat them every chorus, so you can wait for the moment the
singer steps into the spot.

=== en-piano-adult | samuelokafor | 480 | music, piano
title: Learning piano as an adult
description: Slow progress, clear goals and a teacher once a fortnight.

I started piano at forty-two. Adults learn differently from children: we understand theory quickly
and our fingers lag far behind.

A teacher once a fortnight and fifteen minutes a day got me through my first grade exam in
eighteen months. Pick pieces you love, not pieces you think you should play.

=== en-chess-openings | samuelokafor | 380 | games, chess
title: Learning chess openings the lazy way
description: Understand three ideas instead of memorising thirty moves.

Most club players memorise opening lines they do not understand and are lost by move ten. I
learned three ideas instead: control the centre, develop pieces before moving any twice, and
castle early.

With those, one opening for white and two replies for black are enough for years of club chess.

=== en-tomatoes | jonaswebb | 130 | gardening, balcony
title: Growing tomatoes on a balcony
description: Big pots, a sunny wall and feeding every week.

Tomatoes want more sun and more water than a balcony usually offers, so give them the sunniest
wall and the biggest pots you can carry. Cherry varieties do best.

Water every evening in summer and feed them once a week once the first flowers appear. Pinch out
the side shoots, and in August you will have more tomatoes than you can eat.

=== en-mushroom-risotto | jonaswebb | 230 | cooking, vegetarian
title: Mushroom risotto without standing at the stove
description: The oven does the stirring.

Classic risotto needs twenty minutes of stirring. This one goes in the oven. Soften onion and
mushrooms, stir in the rice and a glass of wine, pour in hot stock, cover and bake for twenty
minutes.

Finish it on the stove with butter, parmesan and a last splash of stock. Some people cook risotto
rice in a pressure cooker; I prefer the oven, which forgives a forgotten timer.

=== en-pizza-dough | jonaswebb | 55 | baking, pizza
title: Pizza dough that waits for you
description: Mix it on Wednesday, bake on Saturday.

The best pizza dough I make is the one I forget about. Mix flour, water, salt and a pinch of
yeast, and let it sit in the fridge for three days. The slow rise develops flavour and makes the
dough easy to stretch.

I first tasted pizza al taglio in Rome, sold by weight and cut with scissors. This dough, baked in
a tray, is as close as I have come at home.

=== en-strong-flour | jonaswebb | 260 | baking, ingredients
title: Strong flour, plain flour, and what the protein number means
description: Why bread wants one and cake wants the other.

The protein number on a bag of flour tells you how much gluten it can form. Strong flour, at
twelve to fourteen percent, makes the stretchy dough that bread needs. Plain flour, around ten
percent, makes tender cakes and pastry.

For sourdough or any long-fermented bread, stronger flour holds its shape better. For a cake,
strong flour makes it chewy.

=== en-grandmother-dumplings | jonaswebb | 700 | cooking, family
title: Folding dumplings with my grandmother
description: Pork and cabbage filling, and a fold she learned as a child.

Every new year my grandmother taught us to fold dumplings: a spoon of pork and cabbage filling, a
wet edge, and twelve small pleats pressed one against the other.

Mine always came out lopsided and she ate them anyway. Now I make them with my children, and
theirs are lopsided too.

=== en-cast-iron | jonaswebb | 14 | cooking, equipment
title: Seasoning a cast-iron pan
description: Thin layers of oil, high heat and no fear of soap.

A cast-iron pan is non-stick because of seasoning: thin layers of oil baked into a hard coating.
Wipe on a little oil, wipe most of it off, and bake the pan upside down at high heat for an hour.

Use it often. Fry eggs, roast potatoes, sear chicken thighs skin side down until the skin is
crispy. A little soap will not hurt the seasoning; soaking it overnight will.

=== en-birdwatching | priyanair | 210 | nature, birds
title: Birdwatching for people who can't sit still
description: Walk slowly, listen first, and carry small binoculars.

I always thought birdwatching meant sitting in a hide for hours. It can also mean walking slowly
along a river and stopping whenever you hear something.

Learn five common songs and you will start noticing birds everywhere. Spring migration is the best
time to begin: the trees are full of birds and they are all singing.

=== en-packing-light | priyanair | 320 | travel, packing
title: Packing for two weeks in one backpack
description: Merino, one pair of shoes, and laundry every third day.

I travel for two weeks with a single thirty-litre backpack. Merino tops that can be worn for days,
one pair of comfortable shoes, a light jacket and a small wash bag.

Do laundry every third day in the sink. The freedom of carrying everything on your back makes
every train station and every night bus easier.

=== en-learning-spanish | priyanair | 90 | languages, travel
title: Learning Spanish before a trip to Mexico
description: Three months, a tutor and a notebook of phrases.

Three months before a trip to Mexico I started learning Spanish with a tutor online twice a week.
We skipped grammar drills and practised the conversations I would actually have: buying tickets,
ordering food, asking for directions.

I still made mistakes, but people were patient, and speaking a little Spanish changed every
conversation.

=== en-stargazing | priyanair | 18 | nature, astronomy
title: Stargazing in a dark-sky park
description: Red torches, warm layers and letting your eyes adjust.

We spent a night in a dark-sky park with a blanket and a flask of tea. Your eyes need twenty
minutes to adjust, so switch off your phone and use a red torch.

About an hour after the golden glow of sunset faded, the Milky Way appeared. I tried a few long
exposures on a tripod with the lens at its widest aperture; next time I will bring a proper star
tracker.

=== en-travel-vaccinations | priyanair | 140 | travel, health
title: Travel vaccinations: what I wish I'd known
description: Book early: some courses take a month.

Before a trip to South America I left my travel vaccinations until two weeks before departure and
discovered some need several doses a month apart.

Book a travel clinic appointment two months ahead, bring your vaccination record, and ask which
ones your route really needs.

=== en-cold-brew | samuelokafor | 35 | coffee, summer
title: Cold brew concentrate in a jar
description: Coarse coffee, cold water and a night in the fridge.

Cold brew is the easiest coffee there is. Stir coarse grounds into cold water, one part to five,
and leave it in the fridge overnight. I make it in a French press, because the plunger does the
filtering in the morning.

The result is a smooth concentrate, low in acidity. Dilute it with milk or water over ice. It will
never taste like espresso, and that is the point on a hot afternoon.

=== en-photo-editing | priyanair | 100 | photography, editing
title: Editing travel photos in twenty minutes a day
description: Cull hard, use presets as a start, and stop early.

After a trip I used to spend weeks editing. Now I cull the set down to the best ten percent on the
first evening, apply one preset in Lightroom as a starting point, and adjust only exposure, white
balance and crop.

Twenty minutes a day for a week and the album is done. Pictures that need more than that were
usually not worth keeping.

=== en-kids-coding | mkowalski | 280 | teaching, family
title: Teaching my kids to code with Scratch
description: Blocks first, text later, games always.

My children started programming in Scratch at seven and nine. Dragging blocks meant they could
build a game in an afternoon, with no syntax errors to discourage them.

The older one has moved on to Python for a small text adventure. The younger one is still making
cats jump over things, which is exactly right.

=== en-bedtime-stories | hollisreads | 45 | books, children
title: Bedtime stories worth reading twice
description: Picture books that adults enjoy as much as children.

After a thousand bedtime stories, I know which picture books I am happy to read again. The best
ones have a rhythm that carries you, jokes for the grown-up, and an ending quiet enough to fall
asleep to.

Our favourites are worn soft at the corners. The children ask for them every night, and I have
stopped minding.

=== en-budget-airlines | priyanair | 60 | travel, flights
title: Flying budget airlines without the fees
description: Read the bag rules twice and check in online.

Budget airlines make their money on the extras. Measure your bag against the exact size limits,
check in online before the deadline, and bring your own food and an empty water bottle.

Book directly with the airline and skip the seat selection unless you are travelling with
children. A forty-euro flight stays a forty-euro flight.
"""

_CHINESE = """
=== mixed-flask-blog | wanglei | 100 | Flask, Python
title: 用 Flask 写一个博客：从零到上线
description: 路由、模板、数据库和部署，一个周末就能搭起来。

想学 Web 开发，我建议从 Flask 写一个博客开始。它足够小，一个周末就能做完；又足够完整，路由、模板、
表单、数据库都会用到。

第一步写文章列表和详情页，第二步加上登录和后台，第三步用 SQLAlchemy 存文章，最后用 gunicorn 和
nginx 部署到服务器上。为什么不用 Django？Django 当然也可以，但 Flask 让你看清每一块是怎么拼起来的。

博客上线那天，我把第一篇文章发给了朋友，这种成就感是看十篇教程都换不来的。

=== mixed-python-scraper | wanglei | 400 | Python, 爬虫
title: Python 爬虫入门：requests 加 BeautifulSoup
description: 抓取一个网页、解析出想要的内容、存成表格。

写 Python 爬虫，入门只需要两个库：requests 负责把网页下载下来，BeautifulSoup 负责从 HTML 里找出需要
的内容。

先用浏览器的开发者工具看清楚数据在哪个标签里，再写选择器。抓到的数据可以用 csv 模块存成表格。
记得在每次请求之间停一两秒，不要给别人的网站添麻烦。学会了这些，大部分静态网页的爬虫都能写了。

=== mixed-docker-deploy | wanglei | 150 | Docker, 部署
title: 用 Docker 部署 Django 项目
description: 一个 Dockerfile，一个 compose 文件，一条命令上线。

以前部署 Django 项目，要在服务器上装 Python、配虚拟环境、装依赖，每台机器都可能出点不一样的问题。
换成 Docker 之后，这些都写进了 Dockerfile。

我用 docker compose 把应用、PostgreSQL 和 nginx 三个容器放在一起，部署新版本只需要拉取镜像、
重启服务。环境一致了，部署也就不再是一件让人紧张的事。

=== mixed-vscode | wanglei | 80 | 工具, 编辑器
title: VS Code 里我离不开的插件
description: 格式化、Git 历史、远程开发，装这几个就够了。

用 VS Code 三年，插件装了又删，最后留下来的不多：一个自动格式化的插件，一个查看 Git 历史的插件，
一个远程开发插件，可以直接编辑服务器上的代码。

插件不是越多越好，装太多编辑器会变慢。每隔几个月清理一次，没用过的就删掉。

=== mixed-lightroom | 林小鹿 | 80 | 摄影, 后期
title: Lightroom 调色的基本思路
description: 先校正，再统一，最后才是风格。

很多人一打开 Lightroom 就去找预设，调出来的照片却总是怪怪的。我的调色顺序是：先校正白平衡和曝光，
让照片看起来真实；再调整对比和色彩，让一组照片风格统一；最后才加自己的风格。

调色的时候经常离开屏幕休息一下，眼睛习惯了某种颜色，就看不出偏色了。

=== mixed-iphone-night | 林小鹿 | 25 | 摄影, 手机摄影
title: 用 iPhone 拍夜景
description: 夜间模式、稳定和克制的后期。

现在的 iPhone 拍夜景已经很好用了。关键是稳：夜间模式要曝光好几秒，靠在栏杆上或者放在小三脚架上，
画面会清晰很多。

拍完之后我会在 Lightroom 里稍微压一下高光，但不会把天空调得太亮，夜景就应该有夜晚的样子。

=== zh-mysql-index | wanglei | 260 | 数据库, MySQL
title: 数据库索引优化：我踩过的五个坑
description: 索引建了不一定用得上，用上了也不一定快。

做了几年后端，数据库索引优化是我踩坑最多的地方。第一个坑是在区分度很低的字段上建索引，比如性别，
优化器根本不会用它。

第二个坑是联合索引的顺序，查询条件不满足最左前缀，索引就失效了。第三是在索引列上做函数运算，
第四是隐式类型转换，第五是索引建得太多，写入变慢。

每次优化之前先看执行计划，确认慢在哪里，再决定要不要加索引。

=== zh-pg-explain | wanglei | 90 | 数据库, PostgreSQL
title: 看懂 PostgreSQL 的执行计划
description: EXPLAIN ANALYZE 每一行都在告诉你什么。

PostgreSQL 的执行计划是一棵树，要从最里层的节点往外读。每个节点都有预估行数和实际行数，
两者相差很大的地方，往往就是查询变慢的原因。

看到大表上的顺序扫描，先想想是不是缺了索引；看到嵌套循环跑了几十万次，就要考虑换一种连接方式。
数据库的优化器只能根据统计信息做判断，定期执行 ANALYZE 很重要。

=== zh-data-cleaning | wanglei | 180 | 数据分析
title: 数据清洗：分析之前最花时间的一步
description: 真实世界的数据总是脏的，清洗占了我八成的时间。

很多人以为数据分析就是画图和建模，其实大部分时间花在数据清洗上。重复的记录、缺失的字段、
格式不统一的日期、明显错误的数值，每一样都会让结论跑偏。

我的习惯是先看数据的分布，再写清洗规则，每条规则都记下来，保证下次拿到新数据可以重复执行。
清洗完的数据要和原始数据对一遍总数，确认没有误删。

数据干净了，分析才有意义。

=== zh-data-viz | wanglei | 60 | 数据分析, 可视化
title: 图表怎么选：可视化的几条原则
description: 比较用柱状图，趋势用折线图，别轻易用饼图。

做可视化之前先想清楚要表达什么。比较几个类别的大小，用柱状图；看随时间的变化，用折线图；
看两个变量的关系，用散点图。

饼图只适合两三个类别，超过五个就很难看清。颜色不要太多，坐标轴要从零开始，标题直接写出结论。
好的图表让读者一眼看懂数据，而不是欣赏配色。

=== zh-db-backup | wanglei | 30 | 数据库, 运维
title: 数据库备份：别等到出事才想起来
description: 备份没有恢复演练，就等于没有备份。

去年公司一台数据库服务器的磁盘坏了，我们才发现备份脚本三个月前就停了。从那以后，
我们每天做全量备份，每小时备份日志，并且每个月做一次恢复演练。

恢复演练还有一个好处：能看出备份恢复后索引是否完整、查询性能有没有问题，顺便做一些优化。
备份文件一定要放到另一台机器上，最好在另一个城市。

=== zh-sql-join | wanglei | 400 | 数据库, SQL
title: SQL 的几种 JOIN，一次讲清楚
description: 内连接、左连接、右连接和全连接的区别。

刚学 SQL 的时候，JOIN 是最容易搞混的。内连接只保留两边都匹配的行；左连接保留左表的所有行，
右边没有匹配就填空值；右连接反过来；全连接两边都保留。

实际工作中最常用的是内连接和左连接。连接的字段上最好有索引，否则表一大，
数据库就只能一行一行地比较。

=== zh-redis-cache | wanglei | 200 | Redis, 后端
title: Redis 缓存穿透、击穿和雪崩
description: 三个名字听起来很吓人，解决办法其实都不复杂。

用 Redis 做缓存，迟早会遇到这三个问题。缓存穿透是查询根本不存在的数据，每次都打到数据库，
可以缓存空值或者用布隆过滤器挡住。

缓存击穿是某个热点键过期的瞬间，大量请求同时去查数据库，可以加互斥锁，只让一个请求去重建缓存。
缓存雪崩是大量键同时过期，给过期时间加一个随机值就能避免。

=== zh-api-perf | wanglei | 15 | 后端, 性能
title: 一个接口从两秒到两百毫秒
description: 记录一次接口性能优化的全过程。

上个月有个列表接口越来越慢，高峰期要两秒。先加日志，发现大部分时间花在一条统计查询上。

我们把统计结果放进 Redis 缓存，五分钟刷新一次；又给排序字段加了索引，去掉了一个没用的关联查询。
最后接口稳定在两百毫秒左右。优化之前一定要先测量，凭感觉改往往改错地方。

=== zh-git-workflow | wanglei | 330 | Git, 团队协作
title: 团队里的 Git 分支规范
description: 主干、功能分支和发布分支，各管各的事。

团队人一多，Git 分支就容易乱。我们的规范很简单：主干分支永远可以发布，每个功能开一个分支，
合并之前必须经过代码评审，发布时打标签。

提交信息写清楚改了什么、为什么改。功能分支合并前先变基到最新的主干，保持历史整洁。

=== zh-code-review | wanglei | 120 | 团队协作
title: 代码评审时我会看什么
description: 先看测试，再看命名，最后才看格式。

代码评审不是找茬。我一般先看测试，测试说明了作者认为这次改动做了什么；然后看命名，
命名不清楚的代码，下一个人一定会看错。

格式问题交给工具，评审时不用讨论。发现问题时，尽量提出具体的建议，而不是只说“这样不好”。

=== zh-linux-commands | wanglei | 700 | Linux, 工具
title: 常用的 Linux 命令小抄
description: 查日志、看进程、找文件，十几个命令就够用。

我电脑里有一份 Linux 命令小抄，用了好几年。查日志用 tail 和 grep，看进程用 ps 和 top，找文件用
find，看磁盘用 df 和 du。

命令不用全背，知道有这个工具、遇到问题能想起来查就够了。

=== zh-python-learning | wanglei | 500 | Python, 学习
title: 零基础学 Python 的三个月
description: 从打印第一行字到写出自己的小工具。

三个月前我完全不会编程，现在已经能用 Python 写一些小工具了。第一个月学基础语法，第二个月做练习题，
第三个月开始做自己的项目，比如整理照片、批量改文件名。

中间也试着写过一个简单的爬虫，抓了几页天气数据。后来又学了一点 Django，做了一个记账网站。
最大的体会是：一定要动手，光看教程是学不会的。

=== zh-remote-work | wanglei | 90 | 工作, 生活
title: 远程工作两年的感受
description: 自由是真的，孤独也是真的。

远程工作两年，最大的好处是省下了每天两个小时的通勤，可以自己安排时间。坏处是容易工作和生活不分，
晚上十点还在回消息。

我的办法是固定上下班时间，工作的时候换一身衣服，下班就关电脑。每周至少约朋友见一次面，
不然真的会憋坏。

=== zh-docker-basics | wanglei | 250 | Docker, 容器
title: 容器到底是什么
description: 不是虚拟机，是被隔离的进程。

很多人第一次接触 Docker，会把容器当成轻量的虚拟机。其实容器就是一个被隔离起来的普通进程，
有自己的文件系统和网络，但和宿主机共用一个内核。

正因为这样，容器启动只要一秒，镜像也小得多。理解了这一点，再去看镜像分层、端口映射、数据卷，
就都顺理成章了。以后部署的时候遇到问题，也知道从哪里查起。

=== zh-ci-pipeline | wanglei | 50 | 持续集成, 工具
title: 用 GitHub Actions 做持续集成
description: 每次提交自动跑测试，合并后自动部署。

我们的项目现在每次提交都会自动运行测试和代码检查，失败了就不能合并。合并到主干之后，流水线会构建
Docker 镜像，推到镜像仓库，再自动部署到测试环境。

配置文件就一个 YAML，写好之后几乎不用管。最大的变化是大家不再害怕改代码了。

=== zh-blog-why | wanglei | 20 | 写作, 博客
title: 为什么我还在写博客
description: 写给未来的自己，顺便写给别人。

身边写博客的朋友越来越少了，大家都去发短视频。我还在写，因为写下来的东西才是真正想清楚了的东西。

我的博客程序是几年前用 Flask 自己搭的，很简陋，但够用。每篇文章写完，我都会过一段时间再读一遍，
经常发现当时的想法很幼稚，这也是写博客的乐趣之一。

=== zh-scraping-law | wanglei | 140 | 爬虫, 法律
title: 爬虫的法律边界
description: 技术上能抓，不代表法律上可以抓。

写爬虫的技术门槛越来越低，几行 Python 就能抓取一个网站的数据。但能抓不等于可以抓。

遵守网站的 robots 协议，控制请求频率，不抓取个人信息，不绕过登录和验证，这是最基本的底线。
商业用途之前，最好先咨询律师。

=== zh-ai-coding | wanglei | 10 | 工具, 编程
title: 用 AI 写代码一年
description: 它是一个很快的实习生，但你还是要看它写的每一行。

用 AI 写代码一年，我的感受是：写样板代码、查文档、写测试，它快得惊人；涉及业务逻辑和架构，
它经常一本正经地写错。

我现在把它当成一个很快的实习生，它写，我审。审代码的能力比以前更重要了。

=== zh-keyboard | wanglei | 160 | 数码, 键盘
title: 机械键盘入坑指南
description: 轴体、键帽和配列，从哪里开始。

机械键盘的坑很深。入门先选轴体：青轴有段落感但很吵，红轴轻而安静，茶轴介于两者之间。
办公室里建议用红轴或者静音轴。

配列方面，没有数字键盘的八十七键最常见。键帽可以以后再换，先用一把好用的键盘写一个月代码再说。

=== zh-apple-phone | wanglei | 40 | 数码, 手机
title: 苹果手机电池老化怎么办
description: 换电池比换手机便宜得多。

我用了四年的苹果手机，最近一天要充三次电，冬天在外面还会突然关机。在设置里一看，
电池健康只剩百分之七十几了。

去官方售后换了一块新电池，几百块钱，手机又能撑一整天。如果手机其他方面还够用，
换电池是最划算的选择。

=== zh-peking-duck | chenjing | 300 | 美食, 家常菜
title: 北京烤鸭的家常做法
description: 没有挂炉，用家里的烤箱也能做出脆皮烤鸭。

在家做北京烤鸭，难点在鸭皮。我的做法是先用开水把鸭皮烫紧，抹上麦芽糖水，然后放在冰箱里风干一整夜，
鸭皮干了才会脆。

烤箱预热到两百度，鸭子放在烤架上，下面放一盘水，烤一个小时左右，中间翻一次面。最后五分钟开高温，
把皮烤到焦脆。

配上薄饼、葱丝、黄瓜条和甜面酱，味道虽然比不上老字号，但在家里吃已经很满足了。

=== zh-roast-goose | chenjing | 20 | 美食, 粤菜
title: 广州烧鹅和北京烤鸭有什么不同
description: 一个在南方，一个在北方，都是烤出来的脆皮。

很多北方朋友来广州，会把烧鹅当成北京烤鸭。其实两者差别很大：烧鹅用的是鹅，肚子里塞了香料酱汁，
整只挂在炉里烤，吃的时候斩件蘸酸梅酱。

北京烤鸭讲究片皮，卷着薄饼吃。网上有很多烧鹅的做法，但家里很难做出炉烤的味道，还是去烧腊店买最好。

=== zh-hongshao-rou | chenjing | 240 | 美食, 家常菜
title: 红烧肉怎么做才不腻
description: 先煸出油，再慢慢炖，最后大火收汁。

红烧肉好吃的关键是不腻。五花肉切块后冷水下锅焯一下，然后不放油，小火慢慢煸，把肥肉里的油逼出来。

炒糖色的时候火要小，糖变成枣红色就下肉翻炒，加生抽、老抽、料酒和开水，小火炖一个小时。
最后开大火收汁，每一块肉都裹上亮亮的酱汁。做好的红烧肉肥而不腻，入口即化。

=== zh-dumplings | chenjing | 60 | 美食, 节日
title: 冬至包饺子：和面、调馅、擀皮
description: 一家人围在一起包饺子，是冬至最好的样子。

我们家冬至一定要包饺子。和面用温水，面团揉到光滑后醒半个小时；馅是猪肉白菜的，白菜要先挤掉水分，
肉馅里加一点花椒水，顺着一个方向搅上劲。

擀皮要中间厚、边缘薄，这样饺子煮的时候不容易破。水开下饺子，点三次凉水，饺子浮起来鼓鼓的就熟了。

=== zh-dumpling-shop | 林小鹿 | 180 | 美食, 旅行
title: 沈阳的老边饺子馆
description: 一家开了一百多年的饺子馆。

到沈阳的第一顿饭，朋友带我去了老边饺子馆。这家店开了一百多年，招牌是煸馅饺子，馅料先炒过再包，
吃起来格外香。

一盘饺子有好几种馅，三鲜的最好吃。店里人很多，要排队，但等待是值得的。

=== zh-apple-pie | chenjing | 120 | 甜点, 烘焙
title: 苹果派的做法
description: 酥皮、肉桂和酸甜的苹果馅。

秋天苹果最好吃，我每年都会烤几次苹果派。派皮用冷黄油和面粉搓成粗粒，加冰水揉成团，冷藏一个小时。

苹果切片，加糖、柠檬汁和肉桂粉拌匀，铺在派皮上，再盖一层格子皮。烤箱一百九十度烤五十分钟，
烤到表面金黄、馅料冒泡。放凉一点再切，配一球香草冰淇淋最好。

=== zh-fruit-season | chenjing | 45 | 生活, 水果
title: 秋天的水果
description: 柿子、石榴、梨和苹果，秋天是水果最多的季节。

一到秋天，菜市场的水果摊就热闹起来。柿子要等软了再吃，石榴剥起来麻烦但很甜，梨可以煮水润肺，
苹果脆甜多汁，放一箱在阳台上能吃很久。

应季的水果最便宜，也最好吃。

=== zh-healthy-breakfast | qinyue | 45 | 健康, 减肥
title: 减肥期间早餐怎么吃
description: 吃饱、吃好，还不长胖。

减肥的时候很多人干脆不吃早餐，结果中午饿得吃得更多。早餐其实很重要，关键是吃对。

我的减肥早餐一般是：一个鸡蛋，一杯无糖豆浆或者牛奶，一份燕麦或者全麦面包，再加一点水果。
蛋白质让人饱得久，粗粮让血糖稳定。坚持了三个月，体重慢慢降下来，也不觉得饿。

=== zh-weight-loss | qinyue | 150 | 健康, 减肥
title: 减肥不靠饿：我瘦了十公斤
description: 饮食、运动和睡眠，一样都不能少。

去年我用一年时间瘦了十公斤，没有节食，也没有吃减肥药。饮食上，早餐吃好，晚餐吃少，少喝含糖饮料。

运动上，每周跑步三次，加上两次力量训练。睡眠也很重要，睡不够的时候特别想吃甜食。减肥是一件慢事，
急不得。

=== zh-congee | chenjing | 330 | 美食, 早餐
title: 一碗白粥的讲究
description: 米要泡，水要一次加够，火候要耐心。

广东人的早餐常常是一碗白粥。看起来简单，讲究却不少：米要提前泡半个小时，加一点油和盐腌一下；
水一次加够，中途不要再加。

大火煮开后转小火，不停搅拌，煮到米粒开花、粥变得绵滑。配上油条、咸蛋或者榨菜，就是一顿舒服的早餐。

=== zh-hotpot | chenjing | 75 | 美食, 火锅
title: 在家吃火锅，锅底自己炒
description: 牛油、辣椒、花椒和豆瓣，一锅红汤。

冬天最想吃火锅。外面的锅底太咸，我喜欢自己炒：牛油化开，下葱姜蒜和豆瓣酱炒出红油，再加干辣椒、
花椒和香料，小火炒二十分钟。

加水煮开就是一锅红汤。毛肚、鸭肠、黄喉涮几秒就能吃，土豆和藕片要多煮一会。

=== zh-mapo-tofu | chenjing | 420 | 美食, 川菜
title: 麻婆豆腐的关键是豆瓣酱
description: 麻、辣、烫、香、酥、嫩。

麻婆豆腐好不好吃，一半看豆瓣酱。郫县豆瓣要剁细，小火炒出红油；牛肉末炒酥，
豆腐切块后在盐水里焯一下，不容易碎。

最后勾两次芡，让汤汁紧紧裹住豆腐，出锅前撒花椒粉。米饭一定要多煮一点。

=== zh-steamed-fish | chenjing | 600 | 美食, 粤菜
title: 清蒸鱼的火候
description: 水开再蒸，八分钟，关火再焖两分钟。

清蒸鱼最怕蒸老。鱼要新鲜，两面划几刀，铺上姜片，水开后再放进锅里，大火蒸八分钟左右，
关火后再焖两分钟。

倒掉蒸出来的水，铺上葱丝，淋热油和蒸鱼豉油。鱼肉嫩到可以用筷子轻轻拨开。

=== zh-first-bread | chenjing | 210 | 烘焙, 面包
title: 第一次用烤箱烤面包
description: 失败了三次，第四次终于松软了。

买烤箱半年，终于鼓起勇气烤面包。前三次不是发不起来就是烤得太硬，后来才知道问题出在揉面：
面团要揉到能拉出薄膜才行。

第四次揉了二十分钟，发酵到两倍大，烤出来的面包终于松软了。那种成就感，比吃到面包本身还开心。

=== zh-zongzi | chenjing | 380 | 美食, 节日
title: 端午包粽子
description: 咸的还是甜的，每家都有自己的答案。

端午节前，奶奶会泡好粽叶和糯米，包上一整天。我们家是咸粽子，馅是腌过的五花肉和蛋黄；
外婆家是甜粽子，包红枣和豆沙。

包粽子最难的是折叶子，要折成一个漏斗，装满米再封口，用绳子扎紧。煮好的粽子要趁热吃。

=== zh-tea-eggs | chenjing | 100 | 美食, 小吃
title: 茶叶蛋怎么煮才入味
description: 敲裂蛋壳，泡一夜。

茶叶蛋好吃的秘诀是时间。鸡蛋煮熟后把蛋壳轻轻敲裂，放进加了红茶、八角、桂皮、
酱油的汤里再煮二十分钟。

关火后不要捞出来，泡一整夜，第二天蛋白上就有漂亮的花纹，味道也进去了。

=== zh-milk-tea | chenjing | 30 | 饮品, 甜品
title: 自己煮奶茶
description: 红茶煮浓一点，再加牛奶。

外面的奶茶太甜，我开始自己煮。锅里放水和红茶，煮到茶汤颜色很深，再倒入牛奶煮开，加一点点糖。

想喝珍珠奶茶，就自己煮木薯珍珠，煮好泡在糖水里。一杯奶茶的成本不到外面的五分之一。

=== zh-pour-over | chenjing | 150 | 咖啡, 饮品
title: 手冲咖啡入门：器具、水温和研磨
description: 一个滤杯、一个手冲壶、一台磨豆机。

手冲咖啡的器具不用多：一个滤杯、一个细嘴手冲壶、一台磨豆机和一个电子秤就够了。

咖啡豆要现磨，研磨度像砂糖一样。水温在九十度左右，先倒少量水闷蒸三十秒，再分几次慢慢注水。
咖啡粉和水的比例大约一比十五。喝不惯酸味的话，可以选深烘的咖啡豆。

每一杯咖啡都是一次小实验，慢慢就能找到自己喜欢的味道。

=== zh-vegetable-garden | chenjing | 270 | 生活, 种菜
title: 阳台种菜一年
description: 小番茄、生菜和葱，够吃也够看。

去年开始在阳台种菜。最成功的是小番茄，夏天每天都能摘一小把；生菜长得快，一个月就能吃；
葱插在土里就能活。

失败的是黄瓜，阳台风太大，花都被吹掉了。种菜让我每天早上都有一件期待的事。

=== zh-chengdu-food | chenjing | 500 | 美食, 成都
title: 成都吃什么
description: 三天，从早吃到晚。

在成都三天，基本上都在吃。早上一碗甜水面，中午去吃麻婆豆腐和回锅肉，下午在茶馆里喝盖碗茶，
晚上吃火锅，夜宵是串串和冰粉。

成都的辣和重庆不一样，更香，更多层次。走的时候胖了两斤，觉得很值。

=== zh-beef-noodles | chenjing | 650 | 美食, 面食
title: 一碗兰州牛肉面
description: 一清二白三红四绿五黄。

兰州牛肉面讲究“一清二白三红四绿五黄”：汤清，萝卜白，辣油红，香菜蒜苗绿，面条黄亮。

面是现拉的，可以选粗细。早上七点的面馆里坐满了人，一碗面几块钱，汤喝完，整个人都暖了。

=== zh-mooncake | chenjing | 360 | 烘焙, 节日
title: 自己做月饼
description: 广式月饼的转化糖浆要提前半个月熬。

中秋前自己做了一次广式月饼。饼皮要用转化糖浆，最好提前半个月熬好；馅料买现成的莲蓉和蛋黄。

压模的时候要用力均匀，烤之前喷点水，第一次烤完刷蛋液。刚烤好的月饼很硬，要放两三天回油，
饼皮才会变软。

=== zh-old-fire-soup | chenjing | 440 | 美食, 粤菜
title: 广东人的老火汤
description: 煲三个小时的汤，是家里的味道。

广东人家里几乎每天都有一锅汤。老火汤要用砂锅，材料冷水下锅，大火煮开后转小火煲三个小时。

春天煲祛湿汤，夏天煲冬瓜汤，秋天煲莲藕汤，冬天煲羊肉汤。离家以后最想念的，就是妈妈的那一碗汤。

=== zh-yunnan | chenjing | 400 | 云南, 旅行
title: 云南十五天：吃在大理、丽江和昆明
description: 一份边走边吃的路线和攻略。

去年秋天在云南待了十五天，这次旅行的主题就是吃。昆明吃过桥米线和鲜花饼，大理吃乳扇和酸辣鱼，
丽江吃腊排骨火锅。

攻略里说的网红店大多一般，好吃的往往是本地人排队的小馆子。云南的菌子季在七八月，要是那时候去，
一定要吃一次野生菌火锅，但一定要去正规的店。

这趟旅行最大的收获是明白了：在云南，菜市场比景点更值得逛。

=== zh-dali | 林小鹿 | 210 | 云南, 生活
title: 在大理住了一个月
description: 苍山、洱海和慢下来的日子。

辞职以后，我在大理古城附近租了一个小院子，住了一个月。每天早上骑车去洱海边，下午在院子里看书，
晚上去古城里听歌。

去之前看了很多攻略，说大理已经太商业化了。古城里确实游客很多，但只要往村子里走一走，
就能看到真正的生活：晒太阳的老人、种菜的农民、赶集的人。

离开大理的时候，我已经习惯了这种慢慢的日子。

=== zh-solo-travel | 林小鹿 | 330 | 旅行
title: 一个人旅行的第一年
description: 从害怕一个人吃饭，到享受一个人的旅行。

第一次一个人旅行，是去厦门。那时候我连一个人去餐厅吃饭都觉得别扭。一年下来，我一个人去了七个城市。

一个人旅行，时间完全属于自己：想在一家咖啡馆坐一下午就坐一下午，想临时改路线就改。也会孤单，
尤其是看到好风景却没人分享的时候。

我学会了和陌生人聊天，也学会了一个人安静地待着。旅行让我更了解自己。

=== zh-high-speed-rail | 林小鹿 | 70 | 高铁, 交通
title: 坐高铁的十个小技巧
description: 选座、带什么、怎么换乘。

这几年出门旅行几乎都坐高铁。总结了十个小技巧：想看风景选靠窗的 A 或 F 座；
带电脑的话选有插座的车厢；长途自带零食和水杯，车上有热水。

换乘的时候留够时间，大站从一个站台走到另一个站台可能要十几分钟。高铁上尽量保持安静，
打电话去车厢连接处。

=== zh-train-tickets | laozhou | 400 | 春运, 生活
title: 春运抢票的那些事
description: 从排队买票到手机抢票。

二十年前春运买票，要在火车站排一整夜的队。现在在手机上就能买，可是热门线路的高铁票依然一票难求。

抢票的时候多选几个车次和出发站，候补也要提前提交。回家过年是中国人一年中最大的一次旅行，
再难买的票，大家也要回家。

=== zh-kyoto | 林小鹿 | 160 | 日本, 旅行
title: 京都的寺庙与秋叶
description: 十一月的京都，每一座寺庙都是红的。

十一月去京都旅行，正好赶上红叶最好的时候。清水寺人太多，我更喜欢东福寺和永观堂，早上七点去，
人少光线也好。

京都的寺庙很多，不必每座都去，选三四座慢慢看，剩下的时间在鸭川边散步，在小店里喝一杯抹茶。

=== zh-tibet | 林小鹿 | 520 | 西藏, 旅行
title: 第一次进藏：高原反应怎么办
description: 慢慢走，多喝水，第一天别洗澡。

第一次去西藏旅行，最担心的就是高原反应。我的经验是坐火车进藏，让身体慢慢适应；
到拉萨的头两天不要剧烈运动，多喝水，别洗澡，防止感冒。

如果头疼得厉害或者呼吸困难，一定要及时去医院。适应之后，西藏的天空和湖水会让你觉得一切都值得。

=== zh-xian | 林小鹿 | 280 | 西安, 旅行
title: 西安三天：兵马俑和肉夹馍
description: 一座城墙围起来的历史。

在西安待了三天。第一天去兵马俑，站在一号坑前，才真正感受到两千多年前那个帝国的规模；
第二天在城墙上骑自行车，绕古城一圈；第三天逛博物馆，把中国历史从周秦汉唐过了一遍。

晚上去回民街吃肉夹馍、羊肉泡馍和凉皮，这趟旅行是历史和美食各占一半。

=== zh-beijing-hutong | 林小鹿 | 35 | 北京, 城市
title: 北京胡同里的一天
description: 早上豆汁，中午烤鸭，下午在胡同里迷路。

在北京最喜欢的一天，是在胡同里随便走。早上在胡同口喝了一碗豆汁，没喝惯；中午去吃了一顿烤鸭，
片皮卷饼，很香。

下午没有目的地，在南锣鼓巷附近的小胡同里迷路，看老人下棋，看猫在屋顶上睡觉。北京的大景点很壮观，
胡同里的生活更让人想留下来。

=== zh-night-tripod | 林小鹿 | 130 | 摄影, 器材
title: 夜景摄影的三脚架选择
description: 稳定、轻便、价格，只能选两个。

拍夜景离不开三脚架。碳纤维的又轻又稳，但价格贵；铝合金的便宜稳定，但是重。
出门旅行我选碳纤维的小脚架，在城市里拍夜景足够。

用三脚架时记得关掉镜头防抖，用两秒延时或者快门线，避免按快门时的抖动。

=== zh-first-camera | 林小鹿 | 600 | 摄影, 器材
title: 第一台相机怎么选
description: 预算、用途和手感。

很多朋友问我第一台相机买什么。我的建议是先想清楚拍什么：旅行拍风景，选轻便的微单加一支变焦镜头；
拍人像，加一支定焦镜头。

预算有限的话，买上一代的机身，把钱省下来买镜头。去店里亲手拿一拿，手感好的相机你才会经常带出门。

=== zh-film-photo | 林小鹿 | 90 | 摄影, 胶片
title: 胶片摄影入门
description: 三十六张，每一张都要想清楚再按快门。

拍胶片最大的不同，是每按一次快门都有成本。一卷胶卷三十六张，冲洗扫描要几十块钱，
所以每一张都会想清楚再拍。

入门可以买一台全手动的老相机，先拍便宜的彩色负片。拿到扫描件的那一刻，等待的一周都变成了惊喜。

=== zh-shanghai-cafes | 林小鹿 | 50 | 咖啡, 上海
title: 上海的独立咖啡馆
description: 梧桐树下的十家小店。

上海大概是中国咖啡馆最多的城市。我最喜欢的是藏在梧桐区老房子里的独立咖啡馆，店不大，
老板会认真跟你聊咖啡豆的产地。

周末下午找一家坐下，点一杯手冲，看窗外的梧桐叶，是这座城市最舒服的打开方式。

=== zh-hiking | 林小鹿 | 240 | 徒步, 户外
title: 徒步武功山
description: 两天一夜，山脊上的草甸和云海。

武功山的高山草甸是徒步爱好者的天堂。我们从龙山村上山，第一天爬到山顶住帐篷，晚上看星星，
早上五点起来等日出。

云海从脚下漫上来的那一刻，所有的累都忘了。下山的路很陡，一定要带登山杖，保护膝盖。
这是我今年最难忘的一次旅行。

=== zh-hangzhou | 林小鹿 | 110 | 杭州, 茶
title: 在杭州西湖边喝龙井
description: 清明前后，去龙井村喝一杯新茶。

清明前后去杭州，一定要去龙井村喝新茶。茶农在院子里炒茶，满院子都是茶香。

坐在茶园边，点一杯明前龙井，看茶叶在玻璃杯里慢慢舒展，再去西湖边走一走。杭州的春天，
是用茶来记住的。

=== zh-cat | 林小鹿 | 60 | 宠物, 生活
title: 第一次养猫
description: 猫砂、猫粮和一只不理人的猫。

去年从救助站领养了一只橘猫。第一周它躲在床底下不出来，我每天把猫粮放在门口，慢慢地它开始跟着我走。

养猫之前要准备好猫砂盆、猫粮、水碗和猫抓板，记得带去打疫苗和绝育。现在它每天晚上都要睡在我的书上。

=== zh-kaifeng | 林小鹿 | 450 | 开封, 历史
title: 开封：宋朝的都城
description: 在清明上河园，想象一千年前的东京城。

开封是北宋的都城，当年叫东京，是世界上最繁华的城市之一。今天的开封不大，但处处能感受到宋朝的历史。

在清明上河园里，可以看到按照《清明上河图》复原的街市；晚上去鼓楼夜市吃灌汤包和炒凉粉。
了解一点宋朝历史再去，感受会完全不同。

=== zh-song-dynasty | laozhou | 500 | 历史, 宋朝
title: 宋朝历史入门：推荐五本书
description: 想了解宋朝，从这几本开始读。

很多朋友问我，想了解宋朝历史该读什么。我推荐五本：一本讲北宋政治的通史，一本讲王安石变法，
一本讲宋代的城市生活，一本讲宋辽金的战争，最后是一本宋朝人物的传记。

宋朝是一个很矛盾的朝代：经济和文化极其繁荣，军事上却一直被动。读宋朝历史，
能看到一个社会在富足和危机之间怎样摇摆。

=== zh-song-ci | laozhou | 90 | 诗词, 文学
title: 读宋词的一点体会
description: 苏轼的豁达，李清照的细腻。

最近每天睡前读几首宋词。宋朝的词人很多，我最喜欢苏轼和李清照：一个写“也无风雨也无晴”，
一个写“寻寻觅觅，冷冷清清”。

读词不用懂太多历史背景，先读出声音，感受节奏，喜欢的多读几遍，自然就记住了。

=== zh-tang-poetry | laozhou | 620 | 诗词, 唐朝
title: 唐诗里的长安
description: 一座城，一千多首诗。

唐诗里写长安的诗有一千多首。李白在长安醉酒，杜甫在长安落魄，白居易在长安写尽了人间冷暖。

唐宋两代都是诗词的高峰，但唐诗里的长安格外开阔。读这些诗，就像跟着诗人在长安的街道上走了一遍。

=== zh-silk-road | laozhou | 300 | 历史, 丝绸之路
title: 丝绸之路上的商人
description: 驼队、绿洲和一千年的贸易。

丝绸之路不是一条路，而是一张网。汉唐时期，驼队从长安出发，经过河西走廊和西域的绿洲，把丝绸、
瓷器运到中亚，又把香料、玻璃和马匹带回来。

到了宋朝，海上贸易越来越重要，陆上的丝绸之路渐渐冷清。这段历史让我们看到，商人往往比军队走得更远。

=== zh-three-kingdoms | laozhou | 700 | 读书, 古典小说
title: 重读《三国演义》
description: 小时候看打仗，现在看人心。

小时候读《三国演义》，最喜欢的是赵云和关羽，看的是打仗。四十岁重读，看到的却是人心：刘备的隐忍，
曹操的多疑，诸葛亮明知不可为而为之。

《三国演义》是小说，不是历史，但它写人物的本事，几百年来没有几本书比得上。

=== zh-three-kingdoms-history | laozhou | 250 | 历史, 三国
title: 真实的三国：正史和小说的差别
description: 草船借箭不是诸葛亮干的。

很多人心里的三国，其实来自《三国演义》。对照陈寿的《三国志》会发现，很多有名的故事是小说家的创作：
草船借箭原本是孙权的事，空城计也没有发生过。

正史里的曹操更像一个能干的政治家，诸葛亮更像一个勤勉的丞相。小说和历史都值得读，
只是不要把它们混在一起。

=== zh-reading-habit | laozhou | 180 | 读书
title: 一年读五十本书，我是怎么做到的
description: 随身带一本书，读不下去的书就放下。

去年我读完了五十本书。方法很简单：随身带一本书，等车、排队的时候就读几页；床头放一本书，
睡前读半个小时。

读不下去的书就放下，不必勉强自己读完。每读完一本书，写几句话记下最打动我的地方。一年下来，
书架上多了五十本书，笔记本里也多了五十段读书笔记。

读书最重要的不是数量，而是养成每天读书的习惯。

=== zh-bookstore | laozhou | 80 | 书店, 城市
title: 城市里的独立书店
description: 一家书店，就是一座城市的客厅。

每到一座城市，我都会去找一家独立书店。大书店里畅销书堆得很高，独立书店却有老板自己的选书眼光，
常常能发现意想不到的好书。

在书店里坐一下午，翻翻书，喝杯茶，临走买一本书带走，是我旅行中最喜欢的事。可惜这些年，
不少书店撑不下去关门了。

=== zh-ebook | laozhou | 40 | 读书, 数码
title: 电子书还是纸质书
description: 两种都读，各有各的好。

很多人争论电子书和纸质书哪个好。我两种都读：出门带电子书阅读器，一个小设备里装了几百本书；
在家读纸质书，可以随手在书页上写字。

小说适合用电子书一口气读完，需要反复翻看的专业书还是纸质书方便。

=== zh-library | laozhou | 230 | 图书馆, 读书
title: 图书馆里的一个下午
description: 免费、安静、有暖气，还有读不完的书。

退休以后，我每周有三个下午在市图书馆度过。借书免费，阅览室安静又暖和，还能看到各种报纸杂志。

图书馆里的人形形色色：备考的学生、看报的老人、带孩子来读绘本的妈妈。在一排排书架之间走一走，
总能找到一本想读的书。

=== zh-kids-books | laozhou | 140 | 亲子, 读书
title: 给孩子挑绘本
description: 画面好、故事好、大人也愿意读。

给孙女挑绘本，我有三个标准：画面要好看，故事要简单但有意思，大人读起来也不无聊。

好的绘本可以读很多遍，每次孩子都会发现新的细节。不要一次买太多书，一周带她去一次图书馆借书，
比在家里堆一书架更好。

=== zh-calligraphy | laozhou | 380 | 书法, 爱好
title: 练书法的第一年
description: 从楷书开始，每天临帖一小时。

退休后开始练书法。老师让我从楷书开始，临颜真卿的《多宝塔碑》，每天一小时。

前三个月写得很难看，横不平竖不直。一年下来，字终于有点样子了。练书法最大的收获是静心，一拿起毛笔，
心就慢下来了。

=== zh-ming-dynasty | laozhou | 460 | 历史, 明朝
title: 《明朝那些事儿》读后感
description: 把历史写成故事，也能写得很认真。

《明朝那些事儿》是我推荐给年轻人的第一本历史书。作者把明朝近三百年的历史写成了一个个故事，
好读又不失严谨。

读完最记得的是最后一章写徐霞客，说成功只有一种，就是按照自己的方式度过一生。

=== zh-forbidden-city | laozhou | 550 | 历史, 建筑
title: 故宫的建筑细节
description: 屋脊上的小兽，数一数有几只。

逛故宫，除了看大殿，更值得看的是细节。屋脊上的小兽代表建筑的等级，太和殿有十只，
是全中国独一无二的。

故宫是明朝永乐年间建成的，六百年来经历了很多次修缮。建议去之前读一点北京的历史，再找个讲解，
收获会大很多。

=== zh-museum | laozhou | 60 | 博物馆, 历史
title: 博物馆怎么逛才不累
description: 别想一次看完，选一个展厅就够了。

大博物馆不可能一次看完。我的办法是每次只选一两个展厅，提前在网上查好重点文物，到了现场慢慢看。

看累了就坐下来休息，很多博物馆有咖啡厅。带孩子去的话，先讲一个和文物有关的历史故事，
孩子会看得更认真。

=== zh-tea-table | laozhou | 200 | 茶, 生活
title: 我的茶桌：一年喝下的六种茶
description: 绿茶、白茶、乌龙茶、红茶、黑茶和普洱。

我的茶桌上一年到头都有茶。春天喝绿茶，龙井和碧螺春要趁新鲜；夏天喝白茶，清淡解暑；秋天喝乌龙茶，
铁观音和岩茶都好；冬天喝红茶和黑茶，暖胃。

普洱茶一年四季都能喝，生茶越放越好。喝茶不必讲究太多茶具，一个盖碗、几个茶杯，再加一壶好水，
就能泡出一杯好茶。

=== zh-pu-erh | laozhou | 90 | 茶, 普洱
title: 普洱茶的存放
description: 通风、避光、不串味。

普洱茶讲究越陈越香，但前提是存放得当。普洱茶要放在通风、避光、没有异味的地方，湿度不能太高，
否则会发霉。

茶饼最好用原来的棉纸包着，放在纸箱或者陶罐里，不要和香料、樟脑放在一起。好好存放几年，
普洱茶的味道会变得更醇厚。

=== zh-spring-festival | laozhou | 15 | 节日, 家庭
title: 春节回家
description: 年夜饭、饺子和一家人的唠叨。

每年春节回家，妈妈都会提前一周准备年夜饭：红烧肉、清蒸鱼、炸丸子，还有除夕夜一定要包的饺子。

年夜饭上，亲戚们总要问工资、问对象、问什么时候买房。以前觉得烦，现在觉得，有人问也是一种幸福。
我问妈妈红烧肉怎么做，她说没有秘诀，就是火小一点、时间长一点。

=== zh-history-podcast | laozhou | 120 | 历史, 播客
title: 听历史播客的日子
description: 通勤路上的一千年。

这两年迷上了听历史播客。上下班路上一个小时，从先秦听到明清，比刷手机有意思多了。

好的历史播客不是念课本，而是讲人的故事。听完一个系列，再去找相关的书来读，历史就慢慢连成了一张网。

=== zh-guitar | qinyue | 90 | 吉他, 音乐
title: 成年人学吉他：入门三个月
description: 手指疼、换和弦慢，但第一首歌弹下来的那天很开心。

三十二岁开始学吉他。入门的第一个月，左手指尖疼得按不住弦；第二个月，和弦总是换不过来；第三个月，
终于完整弹下了第一首歌。

成年人学吉他，最难的是坚持。我的办法是每天只练二十分钟，但一天都不落下。选自己喜欢的歌来练，
比枯燥的练习曲更有动力。

=== zh-piano | qinyue | 300 | 钢琴, 音乐
title: 三十岁开始学钢琴
description: 大人学琴，理论快，手指慢。

三十岁那年，我终于买了一架电钢琴。以前学过一点吉他，乐理有些基础，所以入门比想象中快，
但手指的灵活度完全跟不上。

老师说成年人学琴不要和孩子比速度，每天练半小时，坚持一年就能弹不少曲子了。

=== zh-folk-dali | qinyue | 30 | 音乐, 民谣
title: 在洱海边听民谣
description: 大理的小酒馆里，一把吉他就是一个晚上。

在大理的那几天，每天晚上都去古城里的小酒馆听民谣。歌手大多是从外地来的年轻人，一把吉他，一个话筒，
唱自己写的歌。

有一个晚上，一个歌手唱起了写洱海的歌，全场都跟着轻轻地唱。那一刻觉得，这就是很多人来大理的原因。

=== zh-classical-music | qinyue | 420 | 音乐, 古典
title: 古典音乐入门，从哪几首开始
description: 先听旋律好记的，再听大部头。

很多人觉得古典音乐难懂。我建议从旋律好记的作品开始：维瓦尔第的《四季》，贝多芬的第五交响曲，
德彪西的《月光》。

听熟了再去听完整的交响曲和协奏曲。不用懂太多乐理，好听就是好听。

=== zh-opera | qinyue | 200 | 京剧, 戏曲
title: 第一次去听京剧
description: 听不懂唱词，也被打动了。

第一次去剧院听京剧，演的是《霸王别姬》。唱词大部分听不懂，好在有字幕。

虞姬舞剑的那一段，锣鼓声一停，全场安静，我突然明白了为什么这门艺术能流传两百年。

=== zh-running-knee | qinyue | 200 | 跑步, 健康
title: 跑步三年，膝盖没坏
description: 跑步伤膝盖吗？关键在跑法。

开始跑步的时候，家人都说跑步伤膝盖。三年下来，我的膝盖一点问题都没有。

我的经验是：跑步的量慢慢加，每周增加不超过百分之十；步频快一点，步子小一点，落地更轻；
每周做两次力量训练，练大腿和臀部。跑步本身不伤膝盖，错误的跑法和太快的加量才会。

=== zh-first-marathon | qinyue | 100 | 跑步, 马拉松
title: 第一次跑全马
description: 三十公里之后，每一公里都是意志力。

跑步两年后，我报名了人生第一个全程马拉松。前三十公里一切顺利，过了三十公里，腿像灌了铅一样。

最后五公里几乎是走一段跑一段。冲过终点的时候，我哭了。全马教会我的，不只是跑步。

=== zh-insomnia | qinyue | 260 | 健康, 睡眠
title: 失眠的那一年
description: 睡不着的夜里，我学会的几件事。

前年有整整一年，我每天晚上都要两三个小时才能睡着。试过很多办法，最后有用的是：固定起床时间，
下午以后不喝咖啡，睡前一个小时不看手机。

白天坚持运动也有帮助，我开始每天傍晚跑步三十分钟。睡眠慢慢恢复了，但我再也不敢熬夜了。

=== zh-yoga | qinyue | 80 | 瑜伽, 健康
title: 在家练瑜伽
description: 一张垫子，每天二十分钟。

疫情那年开始在家练瑜伽，跟着视频每天二十分钟。最开始连弯腰摸脚尖都做不到，半年后身体柔软了很多。

有人练瑜伽是为了减肥，我更看重的是放松，早餐前练一会儿，整个上午都神清气爽。

=== zh-index-fund | qinyue | 280 | 理财, 基金
title: 指数基金定投三年
description: 不择时，不选股，每个月买一点。

三年前开始定投指数基金，每个月工资到账就自动买入一笔。中间经历了大跌，账户一度亏了百分之二十，
我没有停。

现在回头看，定投最大的好处是不用判断市场，也不用天天看账户。对普通人来说，
理财最重要的是长期坚持和控制成本。

=== zh-emergency-fund | qinyue | 60 | 储蓄, 生活
title: 应急资金该存多少
description: 理财的第一步，不是投资，是存一笔应急的钱。

很多年轻人一开始理财就去买股票、买基金，却连三个月的生活费都没有存下。万一失业或者生病，
只能卖掉亏损的投资，或者借钱。

我的建议是先存够六个月的生活开支，放在随时能取出来的地方。这笔钱不追求收益，只求安心。

=== zh-credit-card | qinyue | 150 | 信用卡, 消费
title: 信用卡分期的真实成本
description: 看起来很低的手续费，算成年化利率吓一跳。

信用卡分期的广告总说手续费很低，每期只要百分之零点六。可是按年化利率算，实际成本接近百分之十三。

如果真的需要分期，一定要先算清楚总成本。理财书里常说的一句话：不要为今天的消费，透支明天的收入。

=== zh-stock | qinyue | 400 | 股票, 投资
title: 第一次买股票的教训
description: 听消息买入，追高，然后被套。

第一次买股票，是听同事说某只股票要涨，第二天就追高买入，结果一个月跌了三成。

后来我才明白，理财不是赌博。现在我大部分钱放在基金里，只留一小部分买自己真正了解的公司。

=== zh-insurance | qinyue | 170 | 保险, 家庭
title: 年轻人需要买什么保险
description: 先保障，后理财；先大人，后孩子。

刚工作的年轻人买保险，优先级应该是：医疗险、意外险、重疾险，有家庭负担的再加定期寿险。

带理财功能的保险往往收益不高、保障也不足，不建议一开始就买。保险的作用是转移风险，不是赚钱。

=== zh-minimalism | qinyue | 330 | 生活, 极简
title: 断舍离一年后
description: 扔掉一半的东西，多出了一半的时间。

一年前开始断舍离，衣服扔了一半，厨房里的小电器送人了三个，书只留下真正会重读的。

东西少了，找东西的时间少了，打扫的时间也少了。最大的变化是买东西之前会多想一下：我真的需要它吗？

=== zh-tai-chi | qinyue | 700 | 健康, 太极
title: 跟老人学太极
description: 公园里的清晨课。

每天早上六点，公园里都有一群老人打太极。我跟着学了一年，最开始动作总是太快，师傅说太极要慢，
慢才能练到力。

现在我的腰不疼了，睡得也更好。太极不只是老人的运动。

=== zh-eye-health | qinyue | 50 | 健康, 用眼
title: 天天看屏幕，怎么保护眼睛
description: 二十分钟看一次远处。

每天对着屏幕十个小时，眼睛又干又累。眼科医生教了我一个办法：每二十分钟，看二十英尺外的东西二十秒。

屏幕亮度和环境光差不多就好，晚上开护眼模式。周末多去户外走走，看看远处的树。

=== zh-parenting | qinyue | 120 | 亲子, 育儿
title: 孩子不爱吃饭怎么办
description: 少零食，多运动，一起做饭。

女儿三岁的时候特别不爱吃饭。后来我们做了几件事：饭前不给零食，白天多带她出去跑；让她帮忙洗菜、
摆碗，自己参与做的饭，她吃得特别香。

吃饭的时候不看电视，也不追着喂。饿了，孩子自然会吃。

=== zh-english-learning | qinyue | 230 | 学习, 英语
title: 三十岁重新学英语
description: 每天听一集播客，每周说一次。

工作以后英语荒废了十年。去年下决心重新学，每天通勤时听一集英文播客，每周和外教说一次话。

一年下来，开会能听懂大部分内容了。成年人学语言，最重要的是有一个真实的使用场景。

=== zh-urban-cycling | qinyue | 20 | 骑行, 生活
title: 骑自行车上班一年
description: 十二公里，风雨无阻。

去年开始骑自行车上班，单程十二公里。一年下来瘦了五公斤，睡眠也好了，每个月还省下几百块交通费。

下雨天穿雨衣，冬天戴手套和耳罩。骑车让我重新认识了这座城市的大街小巷。
"""

_HEADER = re.compile(r"(?P<key>\S+) \| (?P<author>\S+) \| (?P<days>\d+) \| (?P<tags>.+)")
_FIELDS = ("title: ", "description: ")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _joined(lines: list[str]) -> str:
    """Join wrapped lines: with a space, except between two wide (Chinese) characters."""
    text = ""
    for line in (line.strip() for line in lines):
        if text and not (_wide(text[-1]) and _wide(line[0])):
            text += " "
        text += line
    return text


def _article(record: str) -> CorpusArticle:
    head, _, rest = record.partition("\n")
    match = _HEADER.fullmatch(head)
    if match is None:
        raise ValueError(f"not an article header: {head!r}")
    fields: dict[str, list[str]] = {}
    paragraphs: list[list[str]] = []
    current: list[str] | None = None
    for line in rest.splitlines():
        if line.startswith(_FIELDS) and not paragraphs:
            name, _, value = line.partition(": ")
            current = fields[name] = [value]
        elif line.startswith("  ") and current is not None and not paragraphs:
            current.append(line)  # a wrapped title or description
        elif not line.strip():
            current = None
        elif current is None:
            current = [line]
            paragraphs.append(current)
        else:
            current.append(line)
    return CorpusArticle(
        key=match["key"],
        author=match["author"],
        days_ago=int(match["days"]),
        tags=tuple(tag.strip() for tag in match["tags"].split(",")),
        title=_joined(fields["title"]),
        description=_joined(fields["description"]),
        body="\n\n".join(_joined(lines) for lines in paragraphs),
    )


def _articles(block: str) -> list[CorpusArticle]:
    records = re.split(r"^=== ", block, flags=re.MULTILINE)
    return [_article(record) for record in records if record.strip()]


ARTICLES: tuple[CorpusArticle, ...] = (*_articles(_ENGLISH), *_articles(_CHINESE))
AUTHORS: tuple[str, ...] = tuple(dict.fromkeys(article.author for article in ARTICLES))
