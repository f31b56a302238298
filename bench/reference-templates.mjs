// The Kida reference's benchmark templates (lbliii/kida benchmarks/), shared by reference.mjs,
// peers-load.mjs and code-size.mjs.
// ---- the templates, as in the reference repository ----
export const T = {
  'minimal.html': 'Hello, {{ name }}!',
  'small.html': `<html>
<head><title>{{ title }}</title></head>
<body>
    <h1>Hello, {{ name }}!</h1>
    <p>Count: {{ count }}</p>
    <ul>
    {% for item in items %}
        <li>{{ item }}</li>
    {% end %}
    </ul>
    {% if active %}
        <p>Status: Active</p>
    {% end %}
    <footer>{{ footer }}</footer>
</body>
</html>
`,
  'medium.html': `<html>
<head><title>Product Catalog</title></head>
<body>
    <nav>
    {% for cat in categories %}
        <a href="#{{ cat | lower | replace(" ", "-") }}">{{ cat }}</a>
    {% end %}
    </nav>

    <main>
    {% for item in items %}
        <article id="item-{{ item.id }}">
            <h2>{{ item.name | escape }}</h2>
            <p class="price">\${{ item.price | round(2) }}</p>
        </article>
    {% end %}
    </main>

    <aside>
    {% for value in vars %}
        <div>{{ value }}</div>
    {% end %}
    </aside>
</body>
</html>
`,
  'large.html': `{% for item in items %}
<div id="{{ item.id }}">{{ item.name }} - {{ item.data.x }}/{{ item.data.y }}</div>
{% end %}
`,
  'complex/base.html': `<!DOCTYPE html>
<html>
<head>
    <title>{% block title %}Benchmark Layout{% end %}</title>
    {% block head %}{% end %}
</head>
<body>
    <header>
        {% block header %}
            <h1>{{ heading }}</h1>
        {% end %}
    </header>

    <main>
        {% block content %}{% end %}
    </main>

    <footer>
        {% block footer %}
            <p>{{ footer }}</p>
        {% end %}
    </footer>
</body>
</html>
`,
  'complex/layout.html': `{% extends "complex/base.html" %}

{% block head %}
    <meta name="description" content="{{ description }}">
{% end %}

{% block header %}
    <h1>{{ heading }}</h1>
    <nav>
        <ul>
        {% for link in nav %}
            <li><a href="{{ link.href }}">{{ link.label }}</a></li>
        {% end %}
        </ul>
    </nav>
{% end %}

{% block content %}
    {% block page_content %}{% end %}
{% end %}
`,
  'complex/page.html': `{% extends "complex/layout.html" %}

{% block page_content %}
<article>
    <h2>{{ article.title }}</h2>
    <p>{{ article.subtitle }}</p>

    <section>
    {% for section in article.sections %}
        <h3>{{ section.title }}</h3>
        <p>{{ section.body }}</p>
    {% end %}
    </section>

    <aside>
    {% for tag in article.tags %}
        <span class="tag">{{ tag }}</span>
    {% end %}
    </aside>
</article>
{% end %}
`,
  // not from the reference: a 300-card page with a component per card, and the same page whose
  // cards arrive as a Promise (first the head is streamed, then the cards once it resolves)
  'cards.html': `<main>{% def card(p) %}<div class="card"><h3>{{ p.title }}</h3><p>{{ p.body }}</p><a href="{{ p.url }}">{{ p.n }}</a></div>{% end %}{% for p in cards %}{{ card(p) }}{% end %}</main>`,
  'slow.html': `<html><head><title>{{ title }}</title></head><body>{% def card(p) %}<div class="card"><h3>{{ p.title }}</h3><p>{{ p.body }}</p><a href="{{ p.url }}">{{ p.n }}</a></div>{% end %}{% for p in await cards %}{{ card(p) }}{% end %}</body></html>`,
};

