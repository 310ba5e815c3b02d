var builder = WebApplication.CreateBuilder(args);
builder.Services.AddBackgroundCallbacks();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapBackgroundCallbacks();
app.Run();
